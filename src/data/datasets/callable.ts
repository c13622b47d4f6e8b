// Dataset classes are usable with or without `new` (`FashionMNIST({ builtin: true })` as the issue
// writes it, or `new FashionMNIST(...)` like torchvision); instanceof works either way.

/** Callable-and-constructible wrapper around a class (its prototype is shared, so instanceof holds). */
export type CallableClass<C extends new (...args: any[]) => any> =
  C & ((...args: ConstructorParameters<C>) => InstanceType<C>);

/** @internal */
export function callableClass<C extends new (...args: any[]) => any>(cls: C): CallableClass<C> {
  const f = function (this: unknown, ...args: ConstructorParameters<C>) { return new cls(...args); };
  Object.defineProperty(f, "name", { value: cls.name });
  f.prototype = cls.prototype;
  return f as unknown as CallableClass<C>;
}
