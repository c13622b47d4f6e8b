// The `kestrel` command: `kestrel <subcommand> ...`. Each subcommand lives in its own module,
// loaded only when used (so `kestrel download` does not load the tensor library).

export const USAGE = `usage: kestrel <command> [options]

commands:
  download <fashion-mnist|mnist|cifar10|cifar100> --dir D [--base-url URL]
                 fetch and verify a dataset's official files
run \`kestrel <command> --help\` for details`;

export interface CliIO { log: (s: string) => void; error: (s: string) => void }

const COMMANDS: Record<string, (args: string[], io: CliIO) => Promise<number>> = {
  download: async (args, io) => (await import("./download.js")).downloadCommand(args, io),
};

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], io: CliIO = { log: (s) => console.log(s), error: (s) => console.error(s) }): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") { io.log(USAGE); return cmd === undefined ? 2 : 0; }
  const run = COMMANDS[cmd];
  if (!run) { io.error(`kestrel: unknown command ${JSON.stringify(cmd)}\n${USAGE}`); return 2; }
  return run(rest, io);
}
