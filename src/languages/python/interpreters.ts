/** The names a python interpreter goes by on PATH, in the order the local sandbox looks for one with pytest. */
export const PYTHON_COMMANDS = ['python3', 'python'] as const;
