package dev.graft.connectors.store;

import dev.graft.connectors.hf.HfCheckpoint;
import dev.graft.schema.FileEntry;

import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Immutable checkpoint directories {@code <root>/<run>/<generation>-<short hash>/} on a Flink
 * {@link FileSystem}, each with {@code config.json}, the safetensors file(s) and the manifest
 * {@code graft.json}.
 *
 * <p><b>Atomic publish.</b> {@link #publish} copies the files into a staging directory ({@code
 * <root>/<run>/.staging-…}) while hashing them, writes the manifest, re-reads every staged file to
 * verify its hash, and renames the staging directory into place. A writer killed at any point
 * leaves at most a staging directory, which is never served ({@link #removeStaging} clears them). A
 * directory whose manifest is missing or invalid, or whose files differ from it, is never served
 * either.
 *
 * <p><b>Split transforms.</b> A transform written by several workers stages its files one by one
 * into a directory fixed by the decision ({@link #decisionStaging}), each file under a temporary
 * name renamed once complete ({@link #stageFile}), so a worker that runs again finds what earlier
 * attempts completed; {@link #publishStaged} then writes the manifest and renames the directory
 * into place once.
 *
 * <p><b>Idempotent.</b> The short hash of a transformed checkpoint derives from (run, generation,
 * decision id): publishing the same decision again returns the checkpoint already there. An
 * imported checkpoint (no decision) is named by the hash of its files.
 *
 * <pre>{@code
 * CheckpointStore store = CheckpointStore.open(URI.create("file:///data/graft"));
 * PublishedCheckpoint p = store.publish(request, localDir);
 * CheckpointRef ref = p.toRef();
 * }</pre>
 */
public final class CheckpointStore {

    private static final Pattern CHECKPOINT_DIR = Pattern.compile("(\\d{1,9})-([0-9a-f]{12})");
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    static final String STAGING_PREFIX = ".staging-";
    private static final int BUFFER_BYTES = 1 << 20;

    private final FileSystem fs;
    private final Path root;
    private final Clock clock;

    /**
     * A store on {@code fs} under {@code root}.
     *
     * @param clock gives manifests their creation time
     */
    public CheckpointStore(FileSystem fs, Path root, Clock clock) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.root = Objects.requireNonNull(root, "root");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A store under {@code root} (file://, or s3:// and hdfs:// with Flink's plugins). */
    public static CheckpointStore open(URI root) throws IOException {
        return new CheckpointStore(FileSystem.get(root), new Path(root), Clock.systemUTC());
    }

    /** The root. */
    public Path root() {
        return root;
    }

    /**
     * Publishes the checkpoint in {@code localDir} (a Hugging Face checkpoint directory: {@code
     * config.json} and safetensors, complete for its family) atomically.
     *
     * @return the published checkpoint; the existing one when this decision was published before
     * @throws IOException if the checkpoint is invalid or the store fails; nothing is then visible
     */
    public PublishedCheckpoint publish(PublishRequest request, java.nio.file.Path localDir)
            throws IOException {
        List<String> files = listLocalFiles(localDir);
        try (HfCheckpoint checkpoint = HfCheckpoint.open(localDir)) {
            checkpoint.requireComplete();
        }
        String shortHash =
                request.decisionId() != null
                        ? decisionHash(request.runId(), request.generation(), request.decisionId())
                        : contentHash(localDir, files);
        Path runDir = new Path(root, request.runId());
        Path target = new Path(runDir, request.generation() + "-" + shortHash);
        Optional<PublishedCheckpoint> existing = existing(target, request);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path staging =
                new Path(
                        runDir,
                        STAGING_PREFIX
                                + target.getName()
                                + "-"
                                + UUID.randomUUID().toString().substring(0, 8));
        try {
            fs.mkdirs(staging);
            List<FileEntry> entries = new ArrayList<>();
            for (String file : files) {
                entries.add(copyIn(localDir.resolve(file), new Path(staging, file), file));
            }
            Manifest manifest = manifest(request, entries);
            try (FSDataOutputStream out =
                    fs.create(
                            new Path(staging, Manifest.FILE_NAME),
                            FileSystem.WriteMode.NO_OVERWRITE)) {
                out.write(manifest.toJsonBytes());
            }
            // Verify what the store holds, not what we meant to write.
            PublishedCheckpoint staged = load(staging);
            verify(staged);
            return renameIntoPlace(staging, target, request);
        } catch (IOException | RuntimeException | Error e) {
            try {
                fs.delete(staging, true);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * The staging directory of a decision's split transform: {@code
     * <root>/<run>/.staging-<generation>-<hash>-split}, the same for every attempt, so that workers
     * re-run after a failure stage into it again (finding what earlier attempts completed) and
     * never leave a second copy elsewhere. {@link #publishStaged} renames it into place; {@link
     * #discardStaging} removes it; {@link #removeStaging} clears it with the other leftovers.
     */
    public Path decisionStaging(String runId, int generation, String decisionId) {
        checkRunId(runId);
        return new Path(
                new Path(root, runId),
                STAGING_PREFIX
                        + generation
                        + "-"
                        + decisionHash(runId, generation, decisionId)
                        + "-split");
    }

    /**
     * Stages one file of a decision's checkpoint atomically: it is moved (local store) or copied
     * into {@code staging} under a temporary name, synced, renamed to {@code name}, and then
     * re-read to hash what the store holds. A file already staged under {@code name} is therefore
     * complete; it is replaced (the transform is deterministic, the bytes are the same).
     *
     * @param local the file to stage; moved away on a local store, left in place otherwise
     * @return the staged file's size and sha256
     */
    public FileEntry stageFile(Path staging, String name, java.nio.file.Path local)
            throws IOException {
        if (!isSafeRelativePath(name) || name.contains("/")) {
            throw new IllegalArgumentException(
                    "staged file name '" + name + "' must be a plain file name");
        }
        fs.mkdirs(staging);
        Path part =
                new Path(staging, name + ".part-" + UUID.randomUUID().toString().substring(0, 8));
        Path target = new Path(staging, name);
        try {
            if (isLocal()) {
                Files.move(local, nioPath(part));
            } else {
                copyIn(local, part, name);
            }
            if (!fs.rename(part, target)) {
                // A rename onto an existing file fails on some stores: the earlier attempt's file
                // has the same bytes (deterministic transform), but replace it to be sure.
                fs.delete(target, false);
                if (!fs.rename(part, target)) {
                    throw new IOException(
                            "could not rename " + part + " to " + target + " while staging");
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                fs.delete(part, false);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return hashRemote(target, name);
    }

    /**
     * A file already staged under {@code name} (complete, since staging renames only complete
     * files), with its size and the sha256 of what the store holds; empty when there is none.
     */
    public Optional<FileEntry> stagedFile(Path staging, String name) throws IOException {
        Path target = new Path(staging, name);
        if (!fs.exists(target) || fs.getFileStatus(target).isDir()) {
            return Optional.empty();
        }
        return Optional.of(hashRemote(target, name));
    }

    /**
     * A local directory with the staged files, for memory-mapped reading (verification): the
     * staging directory itself on a local store, else a copy under {@code cacheDir}.
     */
    public java.nio.file.Path localView(
            Path staging, List<FileEntry> files, java.nio.file.Path cacheDir) throws IOException {
        if (isLocal()) {
            return nioPath(staging);
        }
        java.nio.file.Path local =
                Files.createDirectories(
                        cacheDir.resolve(staging.getName() + "-" + UUID.randomUUID()));
        for (FileEntry f : files) {
            try (InputStream in = fs.open(new Path(staging, f.getPath()))) {
                Files.copy(in, local.resolve(f.getPath()));
            }
        }
        return local;
    }

    /**
     * Publishes a decision's staged checkpoint once: removes whatever else lies in {@code staging}
     * (temporary parts, shards of an earlier attempt with another split), writes the manifest
     * listing {@code files}, checks that the directory holds exactly those files with their sizes,
     * and renames it into place. Each file's hash was taken by re-reading it when it was staged.
     *
     * @return the published checkpoint; the existing one when the decision was published before
     *     (the staging directory is then removed)
     * @throws IOException if a file is missing or differs in size, or the store fails; nothing is
     *     then visible
     */
    public PublishedCheckpoint publishStaged(
            PublishRequest request, Path staging, List<FileEntry> files) throws IOException {
        if (request.decisionId() == null) {
            throw new IllegalArgumentException(
                    "publishStaged needs the decision id (it names the directory); use publish");
        }
        Path runDir = new Path(root, request.runId());
        Path target =
                new Path(
                        runDir,
                        request.generation()
                                + "-"
                                + decisionHash(
                                        request.runId(),
                                        request.generation(),
                                        request.decisionId()));
        Optional<PublishedCheckpoint> existing = existing(target, request);
        if (existing.isPresent()) {
            discardStaging(staging);
            return existing.get();
        }
        java.util.Set<String> wanted = new java.util.HashSet<>();
        for (FileEntry f : files) {
            wanted.add(f.getPath());
        }
        FileStatus[] staged = fs.exists(staging) ? fs.listStatus(staging) : null;
        for (FileStatus s : staged == null ? new FileStatus[0] : staged) {
            if (!wanted.contains(s.getPath().getName())) {
                fs.delete(s.getPath(), true);
            }
        }
        Manifest manifest =
                manifest(
                        request,
                        files.stream().sorted(Comparator.comparing(FileEntry::getPath)).toList());
        try (FSDataOutputStream out =
                fs.create(new Path(staging, Manifest.FILE_NAME), FileSystem.WriteMode.OVERWRITE)) {
            out.write(manifest.toJsonBytes());
        }
        load(staging);
        return renameIntoPlace(staging, target, request);
    }

    private Manifest manifest(PublishRequest request, List<FileEntry> files) {
        return new Manifest(
                Manifest.FORMAT_VERSION,
                request.runId(),
                request.generation(),
                request.step(),
                request.decisionId(),
                request.parent(),
                request.operator(),
                request.operatorOptions(),
                request.verification(),
                request.arch(),
                files,
                clock.millis(),
                GraftVersion.get());
    }

    /**
     * Renames a complete staging directory to {@code target}; when another writer published the
     * same decision first, removes the staging directory and returns theirs.
     */
    private PublishedCheckpoint renameIntoPlace(Path staging, Path target, PublishRequest request)
            throws IOException {
        if (!fs.rename(staging, target)) {
            Optional<PublishedCheckpoint> existing = existing(target, request);
            if (existing.isPresent()) {
                fs.delete(staging, true);
                return existing.get();
            }
            throw new IOException(
                    "could not rename " + staging + " to " + target + "; nothing was published");
        }
        return load(target);
    }

    /** Removes a decision's staging directory (a failed or superseded attempt). */
    public void discardStaging(Path staging) throws IOException {
        if (!staging.getName().startsWith(STAGING_PREFIX)) {
            throw new IllegalArgumentException(staging + " is not a staging directory");
        }
        fs.delete(staging, true);
    }

    private boolean isLocal() {
        String scheme = root.toUri().getScheme();
        return !fs.isDistributedFS() && (scheme == null || "file".equals(scheme));
    }

    private static java.nio.file.Path nioPath(Path p) {
        return java.nio.file.Path.of(p.toUri().getPath());
    }

    private FileEntry hashRemote(Path file, String relative) throws IOException {
        MessageDigest digest = sha256();
        long n = 0;
        byte[] buf = new byte[BUFFER_BYTES];
        try (FSDataInputStream in = fs.open(file)) {
            int r;
            while ((r = in.read(buf)) > 0) {
                digest.update(buf, 0, r);
                n += r;
            }
        }
        return FileEntry.newBuilder()
                .setPath(relative)
                .setBytes(n)
                .setSha256(HexFormat.of().formatHex(digest.digest()))
                .build();
    }

    /**
     * The checkpoint published for a decision, if there is one: lets a transform that is run again
     * after a failure find its committed result instead of redoing the work.
     */
    public Optional<PublishedCheckpoint> findPublished(
            String runId, int generation, String decisionId) throws IOException {
        checkRunId(runId);
        Path target =
                new Path(
                        new Path(root, runId),
                        generation + "-" + decisionHash(runId, generation, decisionId));
        if (!fs.exists(target)) {
            return Optional.empty();
        }
        return tryLoad(target)
                .filter(
                        c ->
                                decisionId.equals(c.manifest().decisionId())
                                        && runId.equals(c.manifest().runId()));
    }

    private static String decisionHash(String runId, int generation, String decisionId) {
        return sha256Hex(
                        (runId + '\0' + generation + '\0' + decisionId)
                                .getBytes(StandardCharsets.UTF_8))
                .substring(0, 12);
    }

    /** The run's checkpoints with a valid manifest, by generation then creation time. */
    public List<PublishedCheckpoint> list(String runId) throws IOException {
        checkRunId(runId);
        Path runDir = new Path(root, runId);
        if (!fs.exists(runDir)) {
            return List.of();
        }
        List<PublishedCheckpoint> out = new ArrayList<>();
        FileStatus[] statuses = fs.listStatus(runDir);
        for (FileStatus s : statuses == null ? new FileStatus[0] : statuses) {
            if (s.isDir() && CHECKPOINT_DIR.matcher(s.getPath().getName()).matches()) {
                tryLoad(s.getPath()).ifPresent(out::add);
            }
        }
        out.sort(
                Comparator.comparingInt((PublishedCheckpoint p) -> p.manifest().generation())
                        .thenComparingLong(p -> p.manifest().createdAtMs())
                        .thenComparing(PublishedCheckpoint::name));
        return out;
    }

    /** The run's newest checkpoint, if any. */
    public Optional<PublishedCheckpoint> latest(String runId) throws IOException {
        List<PublishedCheckpoint> all = list(runId);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * The checkpoint in {@code dir}, if it is one the store serves: a manifest that parses, names
     * the directory's run and generation, and lists exactly the files present with their sizes.
     *
     * @throws ManifestException saying what is wrong
     */
    public PublishedCheckpoint load(Path dir) throws IOException {
        Path manifestPath = new Path(dir, Manifest.FILE_NAME);
        String source = manifestPath.toString();
        if (!fs.exists(manifestPath)) {
            throw new ManifestException(
                    source, "does not exist; the directory is not a checkpoint");
        }
        long size = fs.getFileStatus(manifestPath).getLen();
        if (size > Manifest.MAX_BYTES) {
            throw new ManifestException(source, "is " + size + " bytes; expected a manifest");
        }
        byte[] bytes;
        try (InputStream in = fs.open(manifestPath)) {
            bytes = in.readNBytes((int) size);
        }
        Manifest manifest = Manifest.parse(bytes, source);
        Matcher m = CHECKPOINT_DIR.matcher(dir.getName());
        if (m.matches() && Integer.parseInt(m.group(1)) != manifest.generation()) {
            throw new ManifestException(
                    source,
                    "says generation "
                            + manifest.generation()
                            + " but lies in directory "
                            + dir.getName());
        }
        Map<String, Long> present = new java.util.TreeMap<>();
        listRemote(dir, "", present);
        present.remove(Manifest.FILE_NAME);
        for (FileEntry f : manifest.files()) {
            Long actual = present.remove(f.getPath());
            if (actual == null) {
                throw new ManifestException(
                        source, "lists '" + f.getPath() + "', which is missing");
            }
            if (actual != f.getBytes()) {
                throw new ManifestException(
                        source,
                        "lists '"
                                + f.getPath()
                                + "' as "
                                + f.getBytes()
                                + " bytes; it is "
                                + actual);
            }
        }
        if (!present.isEmpty()) {
            throw new ManifestException(
                    source, "does not list " + String.join(", ", present.keySet()));
        }
        return new PublishedCheckpoint(dir, manifest, sha256Hex(bytes));
    }

    /**
     * Re-reads every file of a checkpoint and checks its sha256 against the manifest.
     *
     * @throws ManifestException naming the first file that differs
     */
    public void verify(PublishedCheckpoint checkpoint) throws IOException {
        for (FileEntry f : checkpoint.manifest().files()) {
            Path p = new Path(checkpoint.dir(), f.getPath());
            MessageDigest digest = sha256();
            long n = 0;
            byte[] buf = new byte[BUFFER_BYTES];
            try (FSDataInputStream in = fs.open(p)) {
                int r;
                while ((r = in.read(buf)) > 0) {
                    digest.update(buf, 0, r);
                    n += r;
                }
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (n != f.getBytes() || !actual.equals(f.getSha256())) {
                throw new ManifestException(
                        new Path(checkpoint.dir(), Manifest.FILE_NAME).toString(),
                        "lists '"
                                + f.getPath()
                                + "' with sha256 "
                                + f.getSha256()
                                + " ("
                                + f.getBytes()
                                + " bytes); the file has "
                                + actual
                                + " ("
                                + n
                                + " bytes)");
            }
        }
    }

    /**
     * A local directory holding the checkpoint's files, for memory-mapped reading: the directory
     * itself on a local file system, else a verified copy under {@code cacheDir}.
     */
    public java.nio.file.Path localDir(PublishedCheckpoint checkpoint, java.nio.file.Path cacheDir)
            throws IOException {
        if (!fs.isDistributedFS() && "file".equals(checkpoint.dir().toUri().getScheme())) {
            return java.nio.file.Path.of(checkpoint.dir().toUri());
        }
        java.nio.file.Path local =
                cacheDir.resolve(checkpoint.manifest().runId()).resolve(checkpoint.name());
        if (Files.isDirectory(local)) {
            return local;
        }
        java.nio.file.Path tmp =
                Files.createDirectories(local.getParent())
                        .resolve(STAGING_PREFIX + UUID.randomUUID());
        for (FileEntry f : checkpoint.manifest().files()) {
            java.nio.file.Path target = tmp.resolve(f.getPath());
            Files.createDirectories(target.getParent());
            MessageDigest digest = sha256();
            try (InputStream in = fs.open(new Path(checkpoint.dir(), f.getPath()));
                    OutputStream out = Files.newOutputStream(target)) {
                byte[] buf = new byte[BUFFER_BYTES];
                int r;
                while ((r = in.read(buf)) > 0) {
                    digest.update(buf, 0, r);
                    out.write(buf, 0, r);
                }
            }
            if (!HexFormat.of().formatHex(digest.digest()).equals(f.getSha256())) {
                throw new ManifestException(
                        checkpoint.dir().toString(),
                        "file '" + f.getPath() + "' changed while it was copied");
            }
        }
        Files.move(tmp, local, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return local;
    }

    /** Deletes the run's staging directories (left by killed writers); returns how many. */
    public int removeStaging(String runId) throws IOException {
        checkRunId(runId);
        Path runDir = new Path(root, runId);
        if (!fs.exists(runDir)) {
            return 0;
        }
        int n = 0;
        for (FileStatus s : fs.listStatus(runDir)) {
            if (s.getPath().getName().startsWith(STAGING_PREFIX) && fs.delete(s.getPath(), true)) {
                n++;
            }
        }
        return n;
    }

    private Optional<PublishedCheckpoint> existing(Path target, PublishRequest request)
            throws IOException {
        if (!fs.exists(target)) {
            return Optional.empty();
        }
        Optional<PublishedCheckpoint> loaded = tryLoad(target);
        if (loaded.isPresent()
                && Objects.equals(loaded.get().manifest().decisionId(), request.decisionId())
                && loaded.get().manifest().runId().equals(request.runId())) {
            return loaded;
        }
        // Never served (no valid manifest, e.g. a non-atomic store's half rename): replace it.
        fs.delete(target, true);
        return Optional.empty();
    }

    private Optional<PublishedCheckpoint> tryLoad(Path dir) {
        try {
            return Optional.of(load(dir));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private void listRemote(Path dir, String prefix, Map<String, Long> out) throws IOException {
        for (FileStatus s : fs.listStatus(dir)) {
            String rel = prefix + s.getPath().getName();
            if (s.isDir()) {
                listRemote(s.getPath(), rel + "/", out);
            } else {
                out.put(rel, s.getLen());
            }
        }
    }

    private FileEntry copyIn(java.nio.file.Path from, Path to, String relative) throws IOException {
        MessageDigest digest = sha256();
        long n = 0;
        try (InputStream in = Files.newInputStream(from);
                FSDataOutputStream out = fs.create(to, FileSystem.WriteMode.NO_OVERWRITE)) {
            byte[] buf = new byte[BUFFER_BYTES];
            int r;
            while ((r = in.read(buf)) > 0) {
                digest.update(buf, 0, r);
                out.write(buf, 0, r);
                n += r;
            }
            out.flush();
            out.sync();
        }
        return FileEntry.newBuilder()
                .setPath(relative)
                .setBytes(n)
                .setSha256(HexFormat.of().formatHex(digest.digest()))
                .build();
    }

    private static String contentHash(java.nio.file.Path dir, List<String> files)
            throws IOException {
        MessageDigest all = sha256();
        for (String f : files) {
            all.update(
                    (f + '\0' + sha256Hex(dir.resolve(f)) + '\n').getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(all.digest()).substring(0, 12);
    }

    /**
     * The files of a local checkpoint directory (as a trainer saved it) with sizes and sha256, in
     * path order: what a CheckpointSaved announces.
     *
     * @throws IOException if the directory holds links, special files or a {@code graft.json}
     */
    public static List<FileEntry> describeLocal(java.nio.file.Path dir) throws IOException {
        List<FileEntry> entries = new ArrayList<>();
        for (String f : listLocalFiles(dir)) {
            java.nio.file.Path file = dir.resolve(f);
            entries.add(
                    FileEntry.newBuilder()
                            .setPath(f)
                            .setBytes(Files.size(file))
                            .setSha256(sha256Hex(file))
                            .build());
        }
        return entries;
    }

    private static String sha256Hex(java.nio.file.Path file) throws IOException {
        MessageDigest one = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[BUFFER_BYTES];
            int r;
            while ((r = in.read(buf)) > 0) {
                one.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(one.digest());
    }

    private static List<String> listLocalFiles(java.nio.file.Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory; expected a checkpoint directory");
        }
        List<String> files = new ArrayList<>();
        try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
            for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) walk::iterator) {
                if (p.equals(dir)
                        || Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (Files.isSymbolicLink(p) || !Files.isRegularFile(p)) {
                    throw new IOException(
                            dir
                                    + ": '"
                                    + rel
                                    + "' is a link or special file; a checkpoint holds"
                                    + " regular files only");
                }
                if (rel.equals(Manifest.FILE_NAME)) {
                    throw new IOException(
                            dir
                                    + " already has a "
                                    + Manifest.FILE_NAME
                                    + "; the store writes the manifest itself");
                }
                files.add(rel);
            }
        }
        files.sort(null);
        return files;
    }

    /** Whether {@code p} is a '/'-separated relative path with no empty, '.' or '..' parts. */
    static boolean isSafeRelativePath(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.contains("\\") || p.contains("\0")) {
            return false;
        }
        for (String part : p.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }

    static void checkRunId(String runId) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException(
                    "run id '"
                            + runId
                            + "' is not usable as a directory name; expected 1-128 letters,"
                            + " digits, '.', '_' or '-', not starting with '.' or '-'");
        }
    }

    private static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
