/**
 * Finds the /Encrypt entry a password-protected PDF carries in its trailer or
 * xref-stream dictionary (Concur refuses such PDFs, docs/architecture.md#concurs-rules). Fed chunk by
 * chunk alongside the hash, so a 10 MB PDF is read once and never held whole.
 *
 * The key must be followed by its value (an indirect reference "12 0 R" or a
 * dictionary "<<"), which rules out /EncryptMetadata and the word inside text.
 */
const ENCRYPT_ENTRY = /\/Encrypt(?![A-Za-z0-9#_.-])\s*(?:\d+\s+\d+\s+R|<<)/;

/** Bytes kept from one chunk to the next so an entry split across chunks is still seen. */
const OVERLAP = 64;

/** Streaming /Encrypt detector. */
export class PdfEncryptionScanner {
  private carry = '';
  private found = false;

  /** Feeds the next chunk of the file. */
  push(chunk: Uint8Array): void {
    if (this.found) return;
    // latin1 maps every byte to one char, so binary stream data cannot break decoding.
    const text =
      this.carry + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString('latin1');
    if (ENCRYPT_ENTRY.test(text)) {
      this.found = true;
      return;
    }
    this.carry = text.slice(-OVERLAP);
  }

  /** True once an /Encrypt entry has been seen. */
  get encrypted(): boolean {
    return this.found;
  }
}

/** Whether a whole PDF in memory names an /Encrypt dictionary. */
export function isEncryptedPdf(bytes: Uint8Array): boolean {
  const scanner = new PdfEncryptionScanner();
  scanner.push(bytes);
  return scanner.encrypted;
}
