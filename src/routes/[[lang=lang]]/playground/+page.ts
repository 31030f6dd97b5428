export function entries() {
  return [{}, { lang: 'ko' }];
}
