// The sandboxed bridge. The typed contract and its one-method-per-call surface come with the
// desktop-shell issue; nothing is exposed until then.
export {};
