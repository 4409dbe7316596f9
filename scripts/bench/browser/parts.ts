// The bench page's parts, in the order it runs them; the Chromium suite selects among them by name.
export const PAGE_PARTS = ['lm', 'steer', 'eval', 'features', 'sae', 'scale'] as const;
export type PagePart = (typeof PAGE_PARTS)[number];
