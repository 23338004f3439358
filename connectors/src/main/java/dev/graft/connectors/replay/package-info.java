/**
 * Readers that turn training logs (CSV curves, …) into Graft's records for replay and offline
 * detection.
 */
package dev.graft.connectors.replay;
