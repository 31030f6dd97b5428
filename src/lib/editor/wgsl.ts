/** WGSL syntax highlighting for Monaco (a Monarch tokenizer): Monaco ships none. */
import type * as Monaco from 'monaco-editor';

const keywords = [
  'alias',
  'break',
  'case',
  'const',
  'const_assert',
  'continue',
  'continuing',
  'default',
  'diagnostic',
  'discard',
  'else',
  'enable',
  'false',
  'fn',
  'for',
  'if',
  'let',
  'loop',
  'override',
  'requires',
  'return',
  'struct',
  'switch',
  'true',
  'var',
  'while'
];
const types = [
  'bool',
  'f16',
  'f32',
  'i32',
  'u32',
  'vec2',
  'vec3',
  'vec4',
  'vec2f',
  'vec3f',
  'vec4f',
  'vec2u',
  'vec3u',
  'vec4u',
  'vec2i',
  'vec3i',
  'vec4i',
  'mat2x2',
  'mat3x3',
  'mat4x4',
  'mat4x4f',
  'array',
  'atomic',
  'ptr',
  'sampler',
  'texture_2d'
];

export function registerWgsl(monaco: typeof Monaco): void {
  if (monaco.languages.getLanguages().some((l) => l.id === 'wgsl')) return;
  monaco.languages.register({ id: 'wgsl', extensions: ['.wgsl'], aliases: ['WGSL'] });
  monaco.languages.setLanguageConfiguration('wgsl', {
    comments: { lineComment: '//', blockComment: ['/*', '*/'] },
    brackets: [
      ['{', '}'],
      ['[', ']'],
      ['(', ')']
    ],
    autoClosingPairs: [
      { open: '{', close: '}' },
      { open: '[', close: ']' },
      { open: '(', close: ')' }
    ]
  });
  monaco.languages.setMonarchTokensProvider('wgsl', {
    keywords,
    types,
    tokenizer: {
      root: [
        [/@\w+/, 'annotation'],
        [/[a-zA-Z_]\w*/, { cases: { '@keywords': 'keyword', '@types': 'type', '@default': 'identifier' } }],
        [/\d+\.\d*([eE][-+]?\d+)?[fh]?|\.\d+([eE][-+]?\d+)?[fh]?|\d+[eE][-+]?\d+[fh]?/, 'number.float'],
        [/0[xX][0-9a-fA-F]+[iu]?|\d+[iuf]?/, 'number'],
        [/\/\/.*$/, 'comment'],
        [/\/\*/, 'comment', '@comment'],
        [/[{}()[\]]/, '@brackets'],
        [/[<>=!+\-*/%&|^~]+/, 'operator']
      ],
      comment: [
        [/[^/*]+/, 'comment'],
        [/\*\//, 'comment', '@pop'],
        [/[/*]/, 'comment']
      ]
    }
  });
}
