package dev.graft.connectors.serde;

import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * An Avro binary {@link Decoder} over one in-memory message that never trusts a length it reads.
 *
 * <p>Avro's own decoders allocate a string, byte or collection buffer from the length prefix before
 * they notice the message is shorter: 5 corrupt bytes can ask for a gigabyte. Here every length and
 * item count is checked against the bytes actually left (each item of every Graft schema takes at
 * least one byte), strings must be valid UTF-8, booleans 0 or 1, and {@link #position()} lets the
 * caller insist the whole message was consumed.
 */
final class BoundedBinaryDecoder extends Decoder {

    private final byte[] buf;
    private final int limit;
    private int pos;

    BoundedBinaryDecoder(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
    }

    /** Index of the next unread byte in the backing array. */
    int position() {
        return pos;
    }

    @Override
    public int remainingBytes() {
        return limit - pos;
    }

    private void require(long n, String what) throws IOException {
        if (n < 0) {
            throw new AvroBodyException("negative " + what + " " + n + " at byte " + pos);
        }
        if (n > limit - pos) {
            throw new EOFException(
                    "truncated: "
                            + what
                            + " needs "
                            + n
                            + " bytes at byte "
                            + pos
                            + " but only "
                            + (limit - pos)
                            + " remain");
        }
    }

    @Override
    public void readNull() {}

    @Override
    public boolean readBoolean() throws IOException {
        require(1, "boolean");
        int b = buf[pos++];
        if (b != 0 && b != 1) {
            throw new AvroBodyException("boolean byte must be 0 or 1, found " + b);
        }
        return b == 1;
    }

    @Override
    public int readInt() throws IOException {
        long value = readLong();
        int narrowed = (int) value;
        if (narrowed != value) {
            throw new AvroBodyException("int out of 32-bit range: " + value);
        }
        return narrowed;
    }

    @Override
    public long readLong() throws IOException {
        long raw = 0;
        int shift = 0;
        while (true) {
            require(1, "varint");
            int b = buf[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new AvroBodyException("varint longer than 10 bytes at byte " + pos);
            }
        }
        return (raw >>> 1) ^ -(raw & 1); // zig-zag
    }

    @Override
    public float readFloat() throws IOException {
        require(4, "float");
        int bits = 0;
        for (int i = 0; i < 4; i++) {
            bits |= (buf[pos++] & 0xff) << (8 * i);
        }
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        require(8, "double");
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits |= (long) (buf[pos++] & 0xff) << (8 * i);
        }
        return Double.longBitsToDouble(bits);
    }

    private int readLength(String what) throws IOException {
        long length = readLong();
        require(length, what);
        return (int) length;
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        return new Utf8(readString());
    }

    @Override
    public String readString() throws IOException {
        int length = readLength("string");
        try {
            String s =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(buf, pos, length))
                            .toString();
            pos += length;
            return s;
        } catch (CharacterCodingException e) {
            throw new AvroBodyException("string at byte " + pos + " is not valid UTF-8");
        }
    }

    @Override
    public void skipString() throws IOException {
        pos += readLength("string");
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int length = readLength("bytes");
        byte[] copy = new byte[length];
        System.arraycopy(buf, pos, copy, 0, length);
        pos += length;
        return ByteBuffer.wrap(copy);
    }

    @Override
    public void skipBytes() throws IOException {
        pos += readLength("bytes");
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        require(length, "fixed");
        System.arraycopy(buf, pos, bytes, start, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        require(length, "fixed");
        pos += length;
    }

    @Override
    public int readEnum() throws IOException {
        return readInt();
    }

    /** Reads a block's item count; a negative count is followed by the block's size in bytes. */
    private long readItemCount() throws IOException {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new AvroBodyException("invalid block item count " + count);
            }
            readLong(); // block size in bytes, not needed
            count = -count;
        }
        // Every item of a Graft schema takes at least one byte: bound the count before anyone
        // allocates a collection of that size.
        require(count, "block of " + count + " items");
        return count;
    }

    @Override
    public long readArrayStart() throws IOException {
        return readItemCount();
    }

    @Override
    public long arrayNext() throws IOException {
        return readItemCount();
    }

    @Override
    public long skipArray() throws IOException {
        return skipItems();
    }

    @Override
    public long readMapStart() throws IOException {
        return readItemCount();
    }

    @Override
    public long mapNext() throws IOException {
        return readItemCount();
    }

    @Override
    public long skipMap() throws IOException {
        return skipItems();
    }

    /** Skips whole blocks that carry their byte size; returns the items the caller must skip. */
    private long skipItems() throws IOException {
        long count = readLong();
        while (count < 0) {
            long size = readLong();
            require(size, "block");
            pos += (int) size;
            count = readLong();
        }
        require(count, "block of " + count + " items");
        return count;
    }

    @Override
    public int readIndex() throws IOException {
        return readInt();
    }

    /** The Avro body is corrupt (as opposed to truncated, which is an {@link EOFException}). */
    static final class AvroBodyException extends IOException {
        private static final long serialVersionUID = 1L;

        AvroBodyException(String message) {
            super(message);
        }
    }
}
