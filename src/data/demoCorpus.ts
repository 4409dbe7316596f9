// The built-in demo corpus: deterministic, templated English-like documents over distinct topics
// (numbers, colours, code, dates, names, HTML-ish markup, animals, cooking) so an SAE trained on
// it has clear features to find. Written to public/demo/corpus.jsonl by scripts/make-demo-corpus.ts.

export const DEMO_TOPICS = ['numbers', 'colours', 'code', 'dates', 'names', 'html', 'animals', 'cooking'] as const;
export type DemoTopic = (typeof DEMO_TOPICS)[number];

export interface DemoDocument {
  id: number;
  topic: DemoTopic;
  text: string;
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Alice', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Farah', 'Gustav', 'Hana', 'Ivan', 'Jun', 'Kiri', 'Lena', 'Mateo', 'Noor', 'Olga', 'Priya'];
const LAST = ['Smith', 'Okafor', 'Tanaka', 'Müller', 'García', 'Novak', 'Singh', 'Larsen', 'Rossi', 'Kowalski', 'Haddad', 'Park'];
const CITIES = ['Lisbon', 'Nairobi', 'Osaka', 'Toronto', 'Lyon', 'Quito', 'Oslo', 'Pune', 'Dublin', 'Perth'];
const COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'indigo', 'violet', 'crimson', 'teal', 'amber', 'magenta', 'olive'];
const OBJECTS = ['door', 'car', 'scarf', 'kite', 'mug', 'bicycle', 'umbrella', 'lamp', 'notebook', 'sofa'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const ANIMALS = ['fox', 'otter', 'heron', 'badger', 'lynx', 'gecko', 'walrus', 'falcon', 'hedgehog', 'salmon'];
const HABITATS = ['forest', 'river', 'desert', 'marsh', 'tundra', 'reef', 'meadow', 'canyon'];
const FOODS = ['onions', 'garlic', 'tomatoes', 'lentils', 'rice', 'butter', 'basil', 'mushrooms', 'carrots', 'ginger'];
const VERBS_COOK = ['chop', 'simmer', 'roast', 'stir', 'whisk', 'fry', 'season', 'bake'];
const IDENTS = ['count', 'total', 'items', 'result', 'index', 'value', 'buffer', 'name', 'score', 'offset'];
const TAGS = ['div', 'span', 'p', 'a', 'li', 'button', 'section', 'h2'];
const CLASSES = ['card', 'title', 'nav-link', 'btn-primary', 'footer', 'price', 'avatar', 'badge'];
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

type Gen = (r: () => number) => string;

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}
function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}
const name = (r: () => number) => `${pick(r, FIRST)} ${pick(r, LAST)}`;

const SENTENCES: Record<DemoTopic, Gen[]> = {
  numbers: [
    (r) => { const a = int(r, 2, 99), b = int(r, 2, 99); return `${a} plus ${b} equals ${a + b}.`; },
    (r) => { const a = int(r, 2, 12), b = int(r, 2, 12); return `${NUMBER_WORDS[a] ?? a} times ${b} is ${a * b}.`; },
    (r) => `The invoice came to $${int(r, 10, 9999)}.${String(int(r, 0, 99)).padStart(2, '0')} including tax.`,
    (r) => `Roughly ${int(r, 1, 99)}% of the ${int(r, 100, 5000)} samples passed the test.`,
    (r) => `Counting down: ${[5, 4, 3, 2, 1].map((x) => x * int(r, 1, 3)).join(', ')}, lift-off.`,
    (r) => `The sequence continues ${[1, 2, 3].map((k) => k * int(r, 2, 9)).join(', ')} and so on.`,
  ],
  colours: [
    (r) => `She painted the ${pick(r, OBJECTS)} ${pick(r, COLOURS)}.`,
    (r) => `Mixing ${pick(r, COLOURS)} and ${pick(r, COLOURS)} gives a muddy ${pick(r, COLOURS)}.`,
    (r) => `The sky turned ${pick(r, COLOURS)} just before the storm.`,
    (r) => `His favourite colour is ${pick(r, COLOURS)}, but his ${pick(r, OBJECTS)} is ${pick(r, COLOURS)}.`,
    (r) => `Use #${int(r, 0, 0xffffff).toString(16).padStart(6, '0')} for the ${pick(r, COLOURS)} accent.`,
  ],
  code: [
    (r) => `const ${pick(r, IDENTS)} = ${pick(r, IDENTS)}.length + ${int(r, 1, 9)};`,
    (r) => `for (let i = 0; i < ${pick(r, IDENTS)}.length; i++) { ${pick(r, IDENTS)} += i; }`,
    (r) => `def ${pick(r, IDENTS)}_of(${pick(r, IDENTS)}):\n    return ${pick(r, IDENTS)} * ${int(r, 2, 9)}`,
    (r) => `if (${pick(r, IDENTS)} === null) { throw new Error("missing ${pick(r, IDENTS)}"); }`,
    (r) => `function ${pick(r, IDENTS)}(${pick(r, IDENTS)}) { return ${pick(r, IDENTS)}.map((x) => x * ${int(r, 2, 5)}); }`,
    (r) => `SELECT ${pick(r, IDENTS)}, COUNT(*) FROM ${pick(r, IDENTS)}s WHERE ${pick(r, IDENTS)} > ${int(r, 0, 100)};`,
  ],
  dates: [
    (r) => `The meeting moved to ${pick(r, WEEKDAYS)}, ${int(r, 1, 28)} ${pick(r, MONTHS)} ${int(r, 1990, 2030)}.`,
    (r) => `Deadline: ${int(r, 1990, 2030)}-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}.`,
    (r) => `She was born on ${pick(r, MONTHS)} ${int(r, 1, 28)}, ${int(r, 1950, 2010)}.`,
    (r) => `Every ${pick(r, WEEKDAYS)} at ${int(r, 1, 12)}:${String(int(r, 0, 59)).padStart(2, '0')} the bell rings.`,
    (r) => `The festival runs from ${pick(r, MONTHS)} to ${pick(r, MONTHS)}.`,
  ],
  names: [
    (r) => `${name(r)} met ${name(r)} in ${pick(r, CITIES)}.`,
    (r) => `Dear ${pick(r, FIRST)}, thank you for your letter from ${pick(r, CITIES)}.`,
    (r) => `${name(r)} was elected mayor of ${pick(r, CITIES)}.`,
    (r) => `According to Dr. ${pick(r, LAST)}, the results are promising.`,
    (r) => `${pick(r, FIRST)} and ${pick(r, FIRST)} moved to ${pick(r, CITIES)} last year.`,
  ],
  html: [
    (r) => { const t = pick(r, TAGS); return `<${t} class="${pick(r, CLASSES)}">${pick(r, FIRST)}'s ${pick(r, OBJECTS)}</${t}>`; },
    (r) => `<a href="/${pick(r, IDENTS)}/${int(r, 1, 999)}">Read more</a>`,
    (r) => `<img src="${pick(r, OBJECTS)}.png" alt="a ${pick(r, COLOURS)} ${pick(r, OBJECTS)}">`,
    (r) => `<ul><li>${pick(r, FOODS)}</li><li>${pick(r, FOODS)}</li></ul>`,
    (r) => `<p>Price: <span class="price">&euro;${int(r, 1, 500)}</span></p>`,
  ],
  animals: [
    (r) => `The ${pick(r, ANIMALS)} lives in the ${pick(r, HABITATS)}.`,
    (r) => `A ${pick(r, ANIMALS)} can travel ${int(r, 2, 80)} kilometres in a day.`,
    (r) => `We watched a ${pick(r, ANIMALS)} chase a ${pick(r, ANIMALS)} across the ${pick(r, HABITATS)}.`,
    (r) => `Young ${pick(r, ANIMALS)}s stay with their mother for ${int(r, 2, 24)} months.`,
  ],
  cooking: [
    (r) => `${cap(pick(r, VERBS_COOK))} the ${pick(r, FOODS)} with the ${pick(r, FOODS)} for ${int(r, 2, 40)} minutes.`,
    (r) => `Add ${int(r, 1, 500)} grams of ${pick(r, FOODS)} and a pinch of salt.`,
    (r) => `Preheat the oven to ${int(r, 15, 25) * 10} degrees.`,
    (r) => `${cap(pick(r, VERBS_COOK))} gently until the ${pick(r, FOODS)} soften.`,
  ],
};

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

/** `documents` documents of 2–7 sentences; one in five borrows a sentence from another topic. */
export function generateDemoCorpus({ seed = 20261121, documents = 1600 }: { seed?: number; documents?: number } = {}): DemoDocument[] {
  const r = mulberry32(seed);
  const docs: DemoDocument[] = [];
  for (let id = 0; id < documents; id++) {
    const topic = DEMO_TOPICS[id % DEMO_TOPICS.length];
    const n = int(r, 2, 7);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) {
      const t = k > 0 && r() < 0.2 ? pick(r, DEMO_TOPICS) : topic;
      parts.push(pick(r, SENTENCES[t])(r));
    }
    docs.push({ id, topic, text: parts.join(topic === 'code' || topic === 'html' ? '\n' : ' ') });
  }
  return docs;
}

/** One JSON object per line: {"id", "topic", "text"}. */
export function demoCorpusJsonl(docs: readonly DemoDocument[]): string {
  return docs.map((d) => JSON.stringify(d)).join('\n') + '\n';
}
