// Line icons of the modules, drawn in the text colour they sit in (currentColor), hidden from screen readers.
const SVG = "http://www.w3.org/2000/svg";
const SHAPES = {
  emergency: [["path", { d: "M6 3h3l2 5-2 1.5a11 11 0 0 0 5.5 5.5L16 13l5 2v3a2 2 0 0 1-2 2A16 16 0 0 1 4 5a2 2 0 0 1 2-2z" }]],
  report: [["path", { d: "M4 20l4-1L19 8l-3-3L5 16z" }], ["path", { d: "M14 7l3 3" }]],
  tracking: [["circle", { cx: 11, cy: 11, r: 6 }], ["path", { d: "M15.5 15.5L21 21" }]],
  assistant: [["path", { d: "M4 5h16v11H10l-5 4v-4H4z" }], ["path", { d: "M8 10h8M8 13h5" }]],
  area_alerts: [["path", { d: "M6 16v-5a6 6 0 0 1 12 0v5l2 2H4z" }], ["path", { d: "M10 20a2 2 0 0 0 4 0" }]],
  priorities: [["path", { d: "M12 3l2.6 6 6.4.3-5 4.1 1.8 6.6L12 16.3 6.2 20 8 13.4 3 9.3 9.4 9z" }]],
  neighbourhood_team: [
    ["circle", { cx: 9, cy: 8, r: 3 }],
    ["path", { d: "M3 20c0-3.3 2.7-6 6-6s6 2.7 6 6" }],
    ["circle", { cx: 17, cy: 9, r: 2.5 }],
    ["path", { d: "M16 14c2.8 0 5 2 5 5" }],
  ],
  safety_info: [["path", { d: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z" }], ["path", { d: "M12 8v5M12 16v.5" }]],
  survey: [["rect", { x: 5, y: 4, width: 14, height: 17, rx: 2 }], ["path", { d: "M9 12l2 2 4-4" }]],
};

export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  for (const [attribute, value] of Object.entries({
    viewBox: "0 0 24 24",
    width: 28,
    height: 28,
    fill: "none",
    stroke: "currentColor",
    "stroke-width": 2,
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    focusable: "false",
  })) {
    svg.setAttribute(attribute, String(value));
  }
  for (const [tag, attributes] of SHAPES[name] ?? [["circle", { cx: 12, cy: 12, r: 4 }]]) {
    const shape = document.createElementNS(SVG, tag);
    for (const [attribute, value] of Object.entries(attributes)) shape.setAttribute(attribute, String(value));
    svg.append(shape);
  }
  return svg;
}
