import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { formatImplChoice, parseImplChoice } from './impl.js';

describe('--impl', () => {
  it.each([
    ['tsvrrpd', { all: 'tsvrrpd' }],
    ['keepalived', { all: 'keepalived' }],
    ['proxy1=keepalived,proxy2=tsvrrpd', { nodes: { proxy1: 'keepalived', proxy2: 'tsvrrpd' } }],
    ['tsvrrpd, proxy1=keepalived', { all: 'tsvrrpd', nodes: { proxy1: 'keepalived' } }],
  ])('%s', (text, choice) => {
    expect(parseImplChoice(text)).toEqual(choice);
    expect(parseImplChoice(formatImplChoice(parseImplChoice(text)))).toEqual(choice);
  });

  it.each([
    ['bird', "--impl 'bird': speaker 'bird' is not one of keepalived, tsvrrpd"],
    ['proxy1=frr', "--impl 'proxy1=frr': speaker for proxy1 'frr' is not one of keepalived, tsvrrpd"],
    ['tsvrrpd,keepalived', "--impl 'tsvrrpd,keepalived': two speakers for every node"],
    ['a=tsvrrpd,a=keepalived', "--impl 'a=tsvrrpd,a=keepalived': node 'a' given twice"],
    ['=tsvrrpd', "--impl '=tsvrrpd': '=tsvrrpd' names no node"],
    ['tsvrrpd,', "--impl 'tsvrrpd,': empty entry"],
  ])('rejects %j with exit 2', (text, message) => {
    expect(() => parseImplChoice(text)).toThrow(InputError);
    expect(() => parseImplChoice(text)).toThrow(message);
  });
});
