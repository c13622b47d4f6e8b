// The `kestrel` command: `kestrel <subcommand> ...`. Each subcommand lives in its own module,
// loaded only when used (so `kestrel download` does not load the tensor library). A user's
// mistake (UsageError: bad option, unknown model, missing data) prints one line and exits with
// code 2; any other failure prints one line and exits with 1 (KESTREL_DEBUG=1 adds the stack).

export const USAGE = `usage: kestrel <command> [options]

commands:
  train          train a model (no options: the reference CNN on built-in Fashion-MNIST)
  eval           evaluate a checkpoint on the test set (--checkpoint FILE or --run DIR)
  predict        top-5 classes of image files (PNG/JPEG) with a checkpoint
  summary        a model's layers: output shapes, parameters, multiply-adds, memory
  plot           loss/accuracy curves and the confusion matrix of a run, as PNG
  doctor         the babysitting checklist on a model and data (initial loss, overfit, LR range...)
  search         random search over learning rate, weight decay, dropout (short runs)
  charrnn        character-level LSTM language model: charrnn train [text] | charrnn sample <ckpt>
  caption        image captioning on synthetic scenes: caption train [--attention] | caption <image.png>
  download <fashion-mnist|mnist|cifar10|cifar100> --dir D [--base-url URL]
                 fetch and verify a dataset's official files
run \`kestrel <command> --help\` for details`;

export interface CliIO {
  log: (s: string) => void;
  error: (s: string) => void;
  /** Writes without a newline (used for the progress bar on a terminal). */
  write?: (s: string) => void;
  /** Whether stdout is a terminal (progress bar redrawn in place) or not (plain periodic lines). */
  isTTY?: boolean;
  columns?: number;
}

type Command = (args: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  download: async (args, io) => (await import("./download.js")).downloadCommand(args, io),
  train: async (args, io) => (await import("./train.js")).trainCommand(args, io),
  eval: async (args, io) => (await import("./eval.js")).evalCommand(args, io),
  predict: async (args, io) => (await import("./predict.js")).predictCommand(args, io),
  summary: async (args, io) => (await import("./summary.js")).summaryCommand(args, io),
  plot: async (args, io) => (await import("./plot.js")).plotCommand(args, io),
  doctor: async (args, io) => (await import("./doctor.js")).doctorCommand(args, io),
  search: async (args, io) => (await import("./search.js")).searchCommand(args, io),
  charrnn: async (args, io) => (await import("./charrnn.js")).charrnnCommand(args, io),
  caption: async (args, io) => (await import("./caption.js")).captionCommand(args, io),
};

function defaultIO(): CliIO {
  return {
    log: (s) => console.log(s),
    error: (s) => console.error(s),
    write: (s) => { process.stdout.write(s); },
    isTTY: Boolean(process.stdout.isTTY) && process.env.TERM !== "dumb",
    columns: process.stdout.columns,
  };
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") { io.log(USAGE); return cmd === undefined ? 2 : 0; }
  const run = COMMANDS[cmd];
  if (!run) { io.error(`kestrel: unknown command ${JSON.stringify(cmd)}\n${USAGE}`); return 2; }
  try {
    return await run(rest, io);
  } catch (e) {
    const err = e as Error;
    const msg = String(err?.message ?? e).split("\n")[0];
    const usage = err?.name === "UsageError";
    io.error(usage ? `kestrel ${cmd}: ${msg.replace(/^kestrel \w+: /, "")}` : `kestrel ${cmd}: error: ${msg}`);
    if (!usage && process.env.KESTREL_DEBUG) io.error(String(err?.stack ?? ""));
    return usage ? 2 : 1;
  }
}
