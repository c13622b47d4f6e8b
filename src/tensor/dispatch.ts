// The one dispatch table between the Tensor class and the ops.
//
// `tensor/` must not import `ops/` (imports flow one way: tensor -> autograd -> ops). The
// Tensor's chained methods (`x.add(y)`) therefore look their op up here by name, and
// `ops/register.ts` fills this table, once, when the library is loaded.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpFn = (...args: any[]) => any;

const table = new Map<string, OpFn>();

export function registerOp(name: string, fn: OpFn): void {
  table.set(name, fn);
}

export function registerOps(ops: Record<string, OpFn>): void {
  for (const [name, fn] of Object.entries(ops)) table.set(name, fn);
}

export function op(name: string): OpFn {
  const fn = table.get(name);
  if (!fn) {
    throw new Error(`Tensor.${name}: this op is not registered; import the library through its entry point ("kestrel") so every op is loaded`);
  }
  return fn;
}
