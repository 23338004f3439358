package dev.graft.growth.ops;

import dev.graft.growth.arch.ArchSpec;
import dev.graft.growth.tensor.TensorInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Share, then unshare (Yang et al., arXiv 2110.03848): a model whose layers share one set of
 * weights becomes one with independent layers that start equal — exact, the same function by
 * construction.
 *
 * <ul>
 *   <li><b>ALBERT</b> ({@code model_type: albert}): layer {@code l} runs layer group {@code ⌊l /
 *       (L/G)⌋} ({@code AlbertTransformer}); the unshared model has {@code num_hidden_groups =
 *       num_hidden_layers}, group {@code l} a copy of the group layer {@code l} used. The model
 *       stays an ALBERT checkpoint (its factorised embedding and {@code
 *       embedding_hidden_mapping_in} have no BERT counterpart), now with independent layers.
 *   <li><b>gpt2, llama, bert with Graft's marker</b>: {@code config.json} {@code
 *       "graft_shared_layers": [[0, 1, 2, 3], [4, 5]]} lists groups of layers that share the
 *       tensors of the group's first layer, which alone are stored; layers in no group are stored
 *       as usual. Unsharing writes every layer and removes the marker.
 * </ul>
 */
public final class Unsharing {

    /** The {@code config.json} key of Graft's shared-layer marker. */
    public static final String SHARED_LAYERS_KEY = "graft_shared_layers";

    private static final Pattern ALBERT_GROUP =
            Pattern.compile("^(.*albert_layer_groups\\.)(\\d+)(\\..+)$");

    private Unsharing() {}

    /**
     * Plans unsharing a gpt2/llama/bert checkpoint whose layers share weights per {@code groups}
     * (the {@code graft_shared_layers} marker).
     *
     * @throws GrowthPlanException when there are no groups, a layer is out of range or listed
     *     twice, or a stored tensor is missing
     */
    public static GrowthPlan plan(
            ArchSpec source,
            List<TensorInfo> tensors,
            List<List<Integer>> groups,
            GrowthOptions options) {
        if (groups.isEmpty()) {
            throw new GrowthPlanException(
                    "unshare needs shared layers: config.json has no "
                            + SHARED_LAYERS_KEY
                            + " (e.g. [[0,1,2,3]]) and the model is not an ALBERT");
        }
        int[] first = new int[source.numLayers()];
        for (int l = 0; l < first.length; l++) {
            first[l] = l;
        }
        boolean[] seen = new boolean[source.numLayers()];
        for (List<Integer> g : groups) {
            if (g.isEmpty()) {
                throw new GrowthPlanException(SHARED_LAYERS_KEY + " holds an empty group");
            }
            for (int l : g) {
                if (l < 0 || l >= source.numLayers() || seen[l]) {
                    throw new GrowthPlanException(
                            SHARED_LAYERS_KEY
                                    + " lists layer "
                                    + l
                                    + (l < 0 || l >= source.numLayers()
                                            ? ", outside 0…" + (source.numLayers() - 1)
                                            : " twice")
                                    + "; expected disjoint groups of layer indices");
                }
                seen[l] = true;
                first[l] = g.get(0);
            }
        }
        // The source as if every layer were stored: shared layers borrow their group's tensors.
        Pattern layer = Pattern.compile("^(.*?)(h|layers|encoder\\.layer)\\.(\\d+)\\.(.+)$");
        Map<String, TensorInfo> stored = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            stored.put(t.name(), t);
        }
        List<TensorInfo> virtual = new ArrayList<>(tensors);
        for (TensorInfo t : tensors) {
            Matcher m = layer.matcher(t.name());
            if (!m.matches()) {
                continue;
            }
            int l = Integer.parseInt(m.group(3));
            for (int other = 0; other < first.length; other++) {
                if (other != l && first[other] == l) {
                    String name = m.group(1) + m.group(2) + "." + other + "." + m.group(4);
                    if (stored.containsKey(name)) {
                        throw new GrowthPlanException(
                                "layer "
                                        + other
                                        + " shares layer "
                                        + l
                                        + "'s weights per "
                                        + SHARED_LAYERS_KEY
                                        + ", yet '"
                                        + name
                                        + "' is stored; store only each group's first layer");
                    }
                    virtual.add(t.withName(name));
                }
            }
        }
        List<String> notes = new ArrayList<>();
        Map<String, TensorInfo> byName = Expansion.checkedSource(source, virtual, notes);
        byName.keySet().retainAll(stored.keySet());
        List<Integer> layers = new ArrayList<>();
        List<Expansion.BlockKind> kinds = new ArrayList<>();
        for (int l = 0; l < first.length; l++) {
            layers.add(first[l]);
            kinds.add(Expansion.BlockKind.COPY);
        }
        // Every layer keeps its index: a shared layer already ran at its own position.
        Expansion.Depth depth = Expansion.Depth.of(layers, kinds).positionsKept();
        notes.add(depth.describe());
        List<TensorMapping> mappings =
                Expansion.mappings(
                        source, source, byName, Expansion.identityWidth(source), depth, 0, notes);
        return new GrowthPlan(
                GrowthOperator.UNSHARE,
                source,
                source,
                mappings,
                Exactness.exact("every layer starts as a copy of the weights it shared"),
                notes,
                options,
                ContinuationSchedule.recommended(GrowthOperator.UNSHARE).with(options.schedule()),
                Map.of(),
                List.of(SHARED_LAYERS_KEY));
    }

    /**
     * Plans unsharing an ALBERT checkpoint: {@code num_hidden_groups} becomes {@code numLayers},
     * group {@code l} a copy of group {@code ⌊l / (numLayers/numGroups)⌋}.
     *
     * @throws GrowthPlanException when the groups already equal the layers or a group is missing
     */
    public static GrowthPlan planAlbert(
            int numLayers, int numGroups, List<TensorInfo> tensors, GrowthOptions options) {
        if (numGroups <= 0 || numLayers <= 0) {
            throw new GrowthPlanException(
                    "albert config has num_hidden_layers="
                            + numLayers
                            + ", num_hidden_groups="
                            + numGroups
                            + "; expected positive integers");
        }
        if (numGroups >= numLayers) {
            throw new GrowthPlanException(
                    "albert layers already independent: num_hidden_groups="
                            + numGroups
                            + " ≥ num_hidden_layers="
                            + numLayers
                            + "; nothing to unshare");
        }
        Map<Integer, List<TensorInfo>> byGroup = new TreeMap<>();
        List<TensorInfo> others = new ArrayList<>();
        for (TensorInfo t : tensors) {
            Matcher m = ALBERT_GROUP.matcher(t.name());
            if (m.matches()) {
                byGroup.computeIfAbsent(Integer.parseInt(m.group(2)), g -> new ArrayList<>())
                        .add(t);
            } else {
                others.add(t);
            }
        }
        for (int g = 0; g < numGroups; g++) {
            if (!byGroup.containsKey(g)) {
                throw new GrowthPlanException(
                        "albert checkpoint has no tensors for layer group "
                                + g
                                + " (albert_layer_groups."
                                + g
                                + ".*) though num_hidden_groups="
                                + numGroups);
            }
        }
        if (byGroup.size() != numGroups) {
            throw new GrowthPlanException(
                    "albert checkpoint stores layer groups "
                            + byGroup.keySet()
                            + " but num_hidden_groups="
                            + numGroups);
        }
        List<TensorMapping> mappings = new ArrayList<>();
        Map<String, Integer> order = new HashMap<>();
        for (TensorInfo t : tensors) {
            order.put(t.name(), order.size());
        }
        boolean groupsWritten = false;
        for (TensorInfo t : tensors) {
            Matcher m = ALBERT_GROUP.matcher(t.name());
            if (!m.matches()) {
                mappings.add(new TensorMapping(t, t, TensorRule.copy()));
                continue;
            }
            if (groupsWritten) {
                continue;
            }
            groupsWritten = true;
            for (int l = 0; l < numLayers; l++) {
                int g = (int) (l / ((double) numLayers / numGroups));
                for (TensorInfo s : byGroup.get(g)) {
                    Matcher sm = ALBERT_GROUP.matcher(s.name());
                    sm.matches();
                    String name = sm.group(1) + l + sm.group(3);
                    mappings.add(new TensorMapping(s.withName(name), s, TensorRule.copy()));
                }
            }
        }
        return new GrowthPlan(
                GrowthOperator.UNSHARE,
                null,
                null,
                mappings,
                Exactness.exact("layer l's new group is a copy of the group it ran"),
                List.of(
                        "albert: num_hidden_groups "
                                + numGroups
                                + " → "
                                + numLayers
                                + " (layer l runs group l)"),
                options,
                ContinuationSchedule.recommended(GrowthOperator.UNSHARE).with(options.schedule()),
                Map.of("num_hidden_groups", Integer.toString(numLayers)),
                List.of());
    }
}
