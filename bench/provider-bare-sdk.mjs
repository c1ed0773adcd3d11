// The baseline for bench/provider-overhead.mjs: the same chat call ptc makes, with the bare `openai` SDK and
// nothing else. Usage: node bench/provider-bare-sdk.mjs <baseURL> <model> <prompt>
import OpenAI from 'openai';

const [baseURL, model, prompt] = process.argv.slice(2);
const client = new OpenAI({ apiKey: 'none', baseURL, maxRetries: 0 });
const stream = await client.chat.completions.create({
  model,
  messages: [{ role: 'user', content: prompt }],
  stream: true,
  stream_options: { include_usage: true },
});
let text = '';
let usage = null;
for await (const chunk of stream) {
  text += chunk.choices[0]?.delta?.content ?? '';
  if (chunk.usage) usage = chunk.usage;
}
process.stdout.write(`${JSON.stringify({ text, usage })}\n`);
