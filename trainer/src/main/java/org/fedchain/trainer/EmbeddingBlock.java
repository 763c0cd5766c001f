package org.fedchain.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code nn.Embedding(vocab, dim)}: each token id (samples carry them as floats, exact below 2^24)
 * becomes row {@code id} of {@code weight [vocab, dim]}. DJL's own embeddings map objects to ids
 * first; a model spec's input is the ids.
 */
final class EmbeddingBlock extends AbstractBlock {
  private final int dim;
  private final Parameter weight;

  EmbeddingBlock(int vocab, int dim) {
    this.dim = dim;
    this.weight =
        addParameter(
            Parameter.builder()
                .setName("weight")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(vocab, dim))
                .build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray ids = inputs.singletonOrThrow().toType(DataType.INT64, false);
    NDArray w = ps.getValue(weight, ids.getDevice(), training);
    return Embedding.embedding(ids, w, SparseFormat.DENSE);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0].addAll(new Shape(dim))};
  }
}
