// Command-line parsing for the `kestrel` subcommands: `--name value`, `--name=value`, boolean
// flags, positionals, typed and range-checked values. Every mistake becomes a UsageError: the CLI
// prints its one-line message and exits with code 2 (no stack trace).

/** A mistake of the user (bad option, unknown model, missing data): one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type OptionType = "string" | "int" | "number" | "bool" | "shape";

export interface OptionSpec {
  type: OptionType;
  /** One line for --help. */
  help: string;
  /** Allowed values (strings only). */
  choices?: readonly string[];
  /** Smallest allowed value (numbers). */
  min?: number;
  /** Largest allowed value (numbers). */
  max?: number;
  /** Whether min is excluded (e.g. a learning rate must be > 0). */
  exclusiveMin?: boolean;
  /** Shown in --help; applied by the caller (so "given or not" stays visible). */
  default?: string;
  /** Value placeholder in --help (default from the type). */
  meta?: string;
}

export type OptionValue = string | number | boolean | number[];
export interface ParsedArgs {
  /** Options given on the command line (only those given). */
  opts: Record<string, OptionValue>;
  positionals: string[];
  help: boolean;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function convert(cmd: string, name: string, spec: OptionSpec, raw: string): OptionValue {
  const bad = (what: string): never => { throw new UsageError(`${cmd}: --${name} ${what}, got ${JSON.stringify(raw)}`); };
  switch (spec.type) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) bad(`must be one of ${spec.choices.join(", ")}`);
      return raw;
    case "bool":
      if (raw === "true" || raw === "1" || raw === "yes") return true;
      if (raw === "false" || raw === "0" || raw === "no") return false;
      return bad("must be true or false");
    case "shape": {
      const parts = raw.split(/[,x×]/).map((s) => s.trim());
      const dims = parts.map(Number);
      if (parts.length === 0 || dims.some((d) => !Number.isInteger(d) || d < 1)) bad("must be positive integers separated by commas (e.g. 1,28,28)");
      return dims;
    }
    default: {
      const v = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(v)) bad(`must be a ${spec.type === "int" ? "whole number" : "number"}`);
      if (spec.type === "int" && !Number.isInteger(v)) bad("must be a whole number");
      if (spec.min !== undefined && (spec.exclusiveMin ? v <= spec.min : v < spec.min)) bad(`must be ${spec.exclusiveMin ? ">" : "≥"} ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) bad(`must be ≤ ${spec.max}`);
      return v;
    }
  }
}

/**
 * Parses `args` against `specs` (keyed by the option's kebab-case name). Returns the given
 * options under camelCase keys; `maxPositionals` bounds the positionals (default none).
 */
export function parseArgs(cmd: string, args: string[], specs: Record<string, OptionSpec>, maxPositionals = 0): ParsedArgs {
  const opts: Record<string, OptionValue> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") { help = true; continue; }
    if (a === "--") { positionals.push(...args.slice(i + 1)); break; }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      let name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      let spec = specs[name];
      let negated = false;
      if (!spec && name.startsWith("no-") && specs[name.slice(3)]?.type === "bool") { name = name.slice(3); spec = specs[name]; negated = true; }
      if (!spec) {
        const near = Object.keys(specs).filter((k) => k.startsWith(name.slice(0, 3)) || name.startsWith(k.slice(0, 3)));
        throw new UsageError(`${cmd}: unknown option --${name}${near.length ? ` (did you mean ${near.map((k) => "--" + k).join(", ")}?)` : ""}; see ${cmd} --help`);
      }
      let raw: string;
      if (eq >= 0) raw = a.slice(eq + 1);
      else if (spec.type === "bool") raw = negated ? "false" : "true";
      else {
        const next = args[i + 1];
        if (next === undefined || (next.startsWith("--") && next.length > 2)) throw new UsageError(`${cmd}: --${name} needs a value (${spec.meta ?? spec.type})`);
        raw = next;
        i++;
      }
      opts[camel(name)] = convert(cmd, name, spec, raw);
    } else if (a.startsWith("-") && a.length > 1 && Number.isNaN(Number(a))) {
      throw new UsageError(`${cmd}: unknown option ${a}; options are spelled --name (see ${cmd} --help)`);
    } else {
      positionals.push(a);
    }
  }
  if (!help && positionals.length > maxPositionals) {
    throw new UsageError(`${cmd}: unexpected argument ${JSON.stringify(positionals[maxPositionals])}${maxPositionals === 0 ? " (this command takes only --options)" : ""}`);
  }
  return { opts, positionals, help };
}

/** The option list of a --help text, one option a line. */
export function formatOptions(specs: Record<string, OptionSpec>): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const meta = s.type === "bool" ? "" : ` ${s.meta ?? (s.choices ? s.choices.join("|") : s.type === "shape" ? "C,H,W" : s.type === "string" ? "S" : "N")}`;
    return [`  --${name}${meta}`, s.help + (s.default !== undefined ? ` (default ${s.default})` : "")];
  });
  const w = Math.min(34, Math.max(...rows.map((r) => r[0].length)) + 2);
  return rows.map(([l, r]) => (l.length >= w ? `${l}\n${" ".repeat(w)}${r}` : l.padEnd(w) + r)).join("\n");
}
