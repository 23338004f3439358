package dev.graft.connectors.store;

import org.apache.flink.core.fs.BlockLocation;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.net.URI;

/**
 * The local file system with a fault: after {@code bytesBeforeFault} bytes written, every write
 * throws, as if the writer died there; optionally the rename into place fails too. A fake, not a
 * mock: it really writes the bytes before the fault.
 */
final class FaultyFileSystem extends FileSystem {

    private final FileSystem local = FileSystem.getLocalFileSystem();
    private long bytesLeft;
    private final boolean failRename;

    FaultyFileSystem(long bytesBeforeFault, boolean failRename) {
        this.bytesLeft = bytesBeforeFault;
        this.failRename = failRename;
    }

    @Override
    public FSDataOutputStream create(Path f, WriteMode overwriteMode) throws IOException {
        FSDataOutputStream out = local.create(f, overwriteMode);
        return new FSDataOutputStream() {
            @Override
            public void write(int b) throws IOException {
                spend(1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                long allowed = Math.min(len, Math.max(0, bytesLeft));
                out.write(b, off, (int) allowed);
                spend(len);
            }

            @Override
            public long getPos() throws IOException {
                return out.getPos();
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void sync() throws IOException {
                out.sync();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    private void spend(long n) throws IOException {
        bytesLeft -= n;
        if (bytesLeft < 0) {
            throw new IOException("injected fault: the writer died here");
        }
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        if (failRename) {
            throw new IOException("injected fault: died before the rename");
        }
        return local.rename(src, dst);
    }

    @Override
    public boolean delete(Path f, boolean recursive) throws IOException {
        // A dead writer cleans nothing up.
        throw new IOException("injected fault: a dead writer deletes nothing");
    }

    @Override
    public Path getWorkingDirectory() {
        return local.getWorkingDirectory();
    }

    @Override
    public Path getHomeDirectory() {
        return local.getHomeDirectory();
    }

    @Override
    public URI getUri() {
        return local.getUri();
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return local.getFileStatus(f);
    }

    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long len)
            throws IOException {
        return local.getFileBlockLocations(file, start, len);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        return local.open(f, bufferSize);
    }

    @Override
    public FSDataInputStream open(Path f) throws IOException {
        return local.open(f);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        return local.listStatus(f);
    }

    @Override
    public boolean mkdirs(Path f) throws IOException {
        return local.mkdirs(f);
    }

    @Override
    public boolean isDistributedFS() {
        return false;
    }
}
