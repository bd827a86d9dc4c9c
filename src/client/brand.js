// Whether a value is one of the platform objects that options and a custom fetch hand over
// (`URL`, `Headers`, `AbortSignal`, `Response`), made in any realm: an iframe's AbortSignal
// fails `instanceof` here, and `Symbol.toStringTag` is what any object can say it is. Each
// check calls an accessor or a method of the interface, which throws for anything that is
// not one. Nothing runs at import: the globals are read when a check is made.

const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;

const CHECKS = {
  URL: (value) => getter(URL.prototype, 'href').call(value),
  Headers: (value) => Headers.prototype.has.call(value, 'accept'),
  AbortSignal: (value) => getter(AbortSignal.prototype, 'aborted').call(value),
  Response: (value) => getter(Response.prototype, 'status').call(value),
};

/**
 * Whether `value` is a `name` (a key of CHECKS) of any realm. A primitive throws in the
 * check too (client/mod.rs `is_a` skips the call for those).
 */
export function isA(value, name) {
  try {
    CHECKS[name](value);
    return true;
  } catch {
    return false;
  }
}
