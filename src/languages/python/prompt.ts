/** Python's section of the system prompt. */
export const PYTHON_PROMPT = `Language: Python 3 with pytest.
- One implementation module, e.g. \`\`\`python path=prime.py, and one test module named test_<module>.py,
  e.g. \`\`\`python path=test_prime.py.
- The tests import the implementation by module name (\`from prime import is_prime\`), use plain assert
  statements and pytest features only, and need no conftest.py.
- Prefer the standard library. If third-party packages are truly needed, add a block
  \`\`\`text path=requirements.txt listing them, one per line (do not list pytest). Otherwise add no
  requirements file.`;
