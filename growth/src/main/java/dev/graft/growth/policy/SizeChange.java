package dev.graft.growth.policy;

/** What a decision does to a model's size. */
public enum SizeChange {
    /** Larger: width and/or depth. */
    GROW,
    /** Smaller (weight subcloning). */
    SHRINK,
    /** Untie layers that share weights into independent layers (same function). */
    UNSHARE
}
