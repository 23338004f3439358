package dev.graft.growth.arch;

/** Where a block normalises: before its sublayers (pre-LN) or after the residual sum (post-LN). */
public enum NormPlacement {
    PRE,
    POST
}
