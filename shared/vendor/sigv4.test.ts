import { describe, expect, it } from 'vitest';
import { amzDate, encodeKeyPath, parseAuthorization, signature, signedHeaders } from './sigv4.js';

/*
 * AWS's published SigV4 example for S3 ("Example: GET Object" in the S3 API reference, Signature Version 4
 * examples): the same secret, date and request must give the same signature, byte for byte.
 */
const AWS_EXAMPLE = {
  accessKey: 'AKIAIOSFODNN7EXAMPLE',
  secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
};

describe('SigV4', () => {
  it("signs AWS's published GET Object example to its published signature", () => {
    const headers = {
      host: 'examplebucket.s3.amazonaws.com',
      range: 'bytes=0-9',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
    };
    const sig = signature(
      { method: 'GET', path: '/test.txt', query: new URLSearchParams(), headers },
      AWS_EXAMPLE,
      '20130524T000000Z',
    );
    expect(sig).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it("signs AWS's published ListObjects example (a query string) to its published signature", () => {
    const headers = {
      host: 'examplebucket.s3.amazonaws.com',
      'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'x-amz-date': '20130524T000000Z',
    };
    const sig = signature(
      { method: 'GET', path: '/', query: new URLSearchParams('max-keys=2&prefix=J'), headers },
      AWS_EXAMPLE,
      '20130524T000000Z',
    );
    expect(sig).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  it('writes an Authorization header that parses back into its credential scope and signed headers', () => {
    const url = new URL(`http://127.0.0.1:9/flatfiles/${encodeKeyPath('a b/c+d.csv.gz')}?list-type=2`);
    const at = Date.parse('2026-03-11T15:00:00Z');
    const headers = signedHeaders('GET', url, AWS_EXAMPLE, at, { Range: 'bytes=0-1' });
    expect(url.pathname).toBe('/flatfiles/a%20b/c%2Bd.csv.gz');
    expect(headers['x-amz-date']).toBe(amzDate(at));
    expect(parseAuthorization(headers.authorization)).toEqual({
      accessKey: AWS_EXAMPLE.accessKey,
      day: '20260311',
      region: 'us-east-1',
      service: 's3',
      signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
      signature: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
    });
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
  });
});
