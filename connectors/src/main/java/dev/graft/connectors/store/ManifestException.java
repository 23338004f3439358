package dev.graft.connectors.store;

import java.io.IOException;

/** A manifest ({@code graft.json}) is missing, malformed, or does not match its directory. */
public class ManifestException extends IOException {

    private static final long serialVersionUID = 1L;

    public ManifestException(String manifest, String problem) {
        super(manifest + ": " + problem);
    }
}
