/**
 * Local training for FedChain nodes: Fashion-MNIST data, shards, named architectures, the DJL
 * (PyTorch engine) training loop and the codec to FedChain's canonical model file.
 *
 * <p>Entry point: {@link org.fedchain.trainer.LocalTrainer}. A node's round looks like this:
 *
 * <pre>{@code
 * Architecture arch = Architectures.get("fmnist-cnn/1");
 * Samples shard = FashionMnist.standard().train().subset(Partition.iid(60_000, 3, seed).get(node));
 * List<Tensor> start = parent == null ? arch.initialTensors(seed) : ModelCodec.read(arch, parentBytes);
 * TrainingResult r = LocalTrainer.train(arch, start, shard, TrainingConfig.defaults(), listener);
 * byte[] file = ModelCodec.write(r.tensors());   // SHA-256 of these bytes = model hash
 * }</pre>
 *
 * <p>Tensor names and layouts are those of PyTorch's {@code state_dict()} for the equivalent {@code
 * torch.nn.Sequential} ({@link org.fedchain.trainer.Architecture#pytorchSource()}), so {@code
 * model.load_state_dict(safetensors.torch.load_file(path))} reads a FedChain model.
 */
package org.fedchain.trainer;
