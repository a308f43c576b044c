// JSON pointers (RFC 6901) into the configuration being edited: the designer binds each control to one, and the
// API names each finding by one, so a finding is shown next to the control it is about.

export function segments(pointer) {
  if (pointer === "" || pointer === "/") return [];
  return pointer
    .replace(/^\//, "")
    .split("/")
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function pointerOf(...parts) {
  return parts.length ? `/${parts.map((part) => String(part).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}` : "";
}

export function join(pointer, ...parts) {
  return pointer + pointerOf(...parts);
}

export function getAt(document, pointer) {
  let value = document;
  for (const part of segments(pointer)) {
    if (value === null || typeof value !== "object") return undefined;
    value = value[part];
  }
  return value;
}

/** Set the value at `pointer`, making the objects on the way; `undefined` removes the member. */
export function setAt(document, pointer, value) {
  const parts = segments(pointer);
  const last = parts.pop();
  let parent = document;
  for (const part of parts) {
    if (parent[part] === null || typeof parent[part] !== "object") parent[part] = {};
    parent = parent[part];
  }
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    parent[last] = value;
  }
}

/** The pointers from `pointer` up to the document's root, nearest first. */
export function ancestors(pointer) {
  const parts = segments(pointer);
  const found = [];
  for (let length = parts.length; length >= 0; length -= 1) found.push(pointerOf(...parts.slice(0, length)));
  return found;
}
