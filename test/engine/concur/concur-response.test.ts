import { describe, expect, it } from 'vitest';
import {
  flattenMarkup,
  parseErrorBody,
  parseImageId,
  parseRetryAfter,
} from '../../../main/engine/concur/concur-response.js';
import { saysAlreadyHasImage } from '../../../main/engine/concur/concur-outcome.js';
import { imageXml } from '../../../main/sandbox/sandbox-rules.js';

describe("reading Concur's bodies", () => {
  it('reads the image id from the documented answer, ids with $ and leading zeros intact', () => {
    const doc = `<Image xmlns="http://www.concursolutions.com/api/image/2011/02"
           xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <Id>aBcDeMwbl34xnwdkUw5ZjDsggDl2$pyoy31$pnGaHAywmPrpbAmE</Id>
        <Url />
    </Image>`;
    expect(parseImageId(doc)).toBe('aBcDeMwbl34xnwdkUw5ZjDsggDl2$pyoy31$pnGaHAywmPrpbAmE');
    expect(parseImageId('<Image><Id>000123</Id></Image>')).toBe('000123');
    expect(parseImageId('')).toBeUndefined();
    expect(parseImageId('<Image><Url/></Image>')).toBeUndefined();
  });

  it('reads the id alike from the plain answer and from shapes only the XML parser reads', () => {
    const id = 'aBc$00123';
    for (const doc of [
      imageXml(id),
      `<Image>\n  <Id> ${id} </Id>\n</Image>`,
      `<?xml version="1.0"?><i:Image xmlns:i="urn:x"><i:Id>${id}</i:Id></i:Image>`,
      `<Image><!-- first --><Id>${id}</Id></Image>`,
      `<Image><Url/><Id>${id}</Id></Image>`,
      `<Image><Id><![CDATA[${id}]]></Id></Image>`,
      `<Image><Id>aBc&#36;00123</Id></Image>`,
      `{"Image":{"Id":"${id}"}}`,
    ])
      expect(parseImageId(doc), doc).toBe(id);
    expect(parseImageId('<Image><Id></Id></Image>')).toBeUndefined();
    expect(parseImageId('<Image><Id>  </Id></Image>')).toBeUndefined();
  });

  it('keeps the words of a Message in order around nested markup and CDATA', () => {
    expect(flattenMarkup('Entry <b>E1</b> is <![CDATA[locked]]>')).toBe('Entry E1 is locked');
    expect(flattenMarkup('<p>One</p><p>Two</p>')).toBe('One Two');
    expect(parseErrorBody('<Error><Message>a &lt; b &#38; c</Message></Error>').message).toBe(
      'a < b & c',
    );
  });

  it('reads a gateway HTML page by its title and cuts long text', () => {
    expect(
      parseErrorBody(
        '<html><head><title>503 Service Unavailable</title></head><body>x</body></html>',
      ).message,
    ).toBe('503 Service Unavailable');
    expect(parseErrorBody('x'.repeat(1000)).message).toHaveLength(301);
    expect(parseErrorBody('   ')).toEqual({});
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores nonsense', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('recognises the ways Concur says an entry or invoice already has its image', () => {
    for (const m of [
      'This expense entry already has an image attached. No more images can be appended.',
      'An image is already attached to this invoice.',
      'Receipt already exists for this entry',
      'The entry already has a receipt image.',
    ])
      expect(saysAlreadyHasImage(m)).toBe(true);
    for (const m of ['Invalid image', 'Entry already submitted', 'Request limit exceeded'])
      expect(saysAlreadyHasImage(m)).toBe(false);
  });
});
