"""Starts `ptc mcp` the way ROMA does, from ROMA's profile, and calls its tools with a Python MCP client.

    python roma_client.py <profile.yaml> <client: mcp|fastmcp> <ptc command...> -- <calls.json>

ROMA resolves `${oc.env:NAME,default}` from its own environment (OmegaConf), hands `command`, `args` and
`env` to the client's stdio transport, and the client starts the server with only the default variables plus
`env` (mcp.client.stdio.get_default_environment). Each call's answer is turned into what ROMA's MCPToolkit
gives its agent (`_convert_mcp_tool_result`: the text contents; a tool error raises). One JSON line per call.
"""

import asyncio
import json
import os
import re
import sys

import yaml

OC_ENV = re.compile(r"^\$\{oc\.env:([A-Za-z_][A-Za-z0-9_]*)(?:,(.*))?\}$")


def resolve(value):
    m = OC_ENV.match(str(value))
    if not m:
        return str(value)
    if m.group(1) in os.environ:
        return os.environ[m.group(1)]
    if m.group(2) is None:
        raise KeyError(f"environment variable {m.group(1)} not found")
    return m.group(2)


def toolkit_config(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    for agent in doc["agents"].values():
        for tk in agent.get("toolkits", []):
            if tk["class_name"] == "MCPToolkit":
                return tk["toolkit_config"]
    raise SystemExit("no MCPToolkit in the profile")


def as_roma_sees_it(result):
    """ROMA's _convert_mcp_tool_result: text contents (one → a string), and an exception on a tool error."""
    texts = [c.text for c in result.content if getattr(c, "type", None) == "text"]
    is_error = getattr(result, "is_error", getattr(result, "isError", False))
    if is_error:
        raise RuntimeError(f"Failed to call MCP tool: {texts}")
    return texts[0] if len(texts) == 1 else texts


async def with_mcp(command, args, env, calls):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=command, args=args, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            print(json.dumps({"tools": sorted(t.name for t in tools.tools)}), flush=True)
            for name, arguments in calls:
                await report(name, lambda: session.call_tool(name, arguments))


async def with_fastmcp(command, args, env, calls):
    from fastmcp.client import Client
    from fastmcp.client.transports import StdioTransport

    async with Client(StdioTransport(command=command, args=args, env=env)) as client:
        tools = await client.list_tools()
        print(json.dumps({"tools": sorted(t.name for t in tools)}), flush=True)
        for name, arguments in calls:
            # ROMA calls client.call_tool(name, arguments=...), which raises on a tool error.
            await report(name, lambda: client.call_tool(name, arguments=arguments))


async def report(name, call):
    try:
        seen = as_roma_sees_it(await call())
        print(json.dumps({"tool": name, "raised": None, "seen": seen}), flush=True)
    except Exception as e:  # what the agent would get instead of a result
        print(json.dumps({"tool": name, "raised": f"{type(e).__name__}: {e}"[:500], "seen": None}), flush=True)


def main():
    sep = sys.argv.index("--")
    profile, client, ptc = sys.argv[1], sys.argv[2], sys.argv[3:sep]
    calls = json.loads(sys.argv[sep + 1])
    cfg = toolkit_config(profile)
    assert cfg["server_type"] == "stdio" and cfg["command"] == "ptc"
    # `ptc` as the profile names it is this checkout's CLI here.
    command, args = ptc[0], ptc[1:] + [resolve(a) for a in cfg["args"]]
    env = {k: resolve(v) for k, v in (cfg.get("env") or {}).items()}
    run = with_mcp if client == "mcp" else with_fastmcp
    asyncio.run(run(command, args, env, calls))


if __name__ == "__main__":
    main()
