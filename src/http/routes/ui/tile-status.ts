/** The words a canvas tile says (apps, databases, stacks); the CSS colours each one. */
export type TileStatus = 'building' | 'deploying' | 'active' | 'crashed' | 'stopped' | 'failed' | 'not deployed';
