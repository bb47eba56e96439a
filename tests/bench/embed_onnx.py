"""Anchor for tests/bench/embed.sh: ONNX Runtime (CPU) on an ONNX export of
the same model folder, float32 and dynamically quantised int8.

The export (torch.onnx from the local folder, no hub access) and the int8
model (onnxruntime.quantization.quantize_dynamic, default settings: QInt8
weights per tensor, the MatMuls and Gathers) are made once under --work.
Encoding sorts the sentences by length and runs batches of 32 with dynamic
padding, truncation at 256 word pieces, mean pooling over the attention mask
and L2 normalisation, as sentence-transformers does. Tokenisation is inside
the timed part (as it is in `autocode encode --timings`); model load and a
short warm-up are not. Prints one line:
  ort-<precision> <sentences> <seconds> <sentences/s>
With --save FILE.npy writes the vectors (input order); with --compare
FILE.npy prints the min and mean cosine between its rows and these vectors.
"""
import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402


def export(model_dir, work):
    """The float32 and int8 ONNX files, made once."""
    os.makedirs(work, exist_ok=True)
    f32 = os.path.join(work, "model.onnx")
    int8 = os.path.join(work, "model-int8.onnx")
    if not os.path.exists(f32):
        import torch
        from transformers import AutoModel, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(model_dir)
        bert = AutoModel.from_pretrained(model_dir).eval()

        class LastHidden(torch.nn.Module):
            # Keyword arguments: the positional order of forward() changes
            # between transformers releases.
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.m(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

        model = LastHidden(bert).eval()
        enc = tok(["an example sentence", "and another one, a little longer"],
                  padding=True, return_tensors="pt")
        args = (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        axes = {0: "batch", 1: "tokens"}
        with torch.no_grad():
            torch.onnx.export(
                model, args, f32,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes,
                              "token_type_ids": axes, "last_hidden_state": axes},
                opset_version=17, dynamo=False)
    if not os.path.exists(int8):
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(f32, int8, weight_type=QuantType.QInt8)
    return f32, int8


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--input")
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--work", required=True, help="folder for the ONNX files")
    ap.add_argument("--precision", choices=["f32", "int8"], default="f32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--save")
    ap.add_argument("--compare")
    a = ap.parse_args()
    f32, int8 = export(a.model, a.work)
    if a.export_only:
        return

    import onnxruntime as ort
    from tokenizers import Tokenizer

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(int8 if a.precision == "int8" else f32, so,
                                providers=["CPUExecutionProvider"])
    tok = Tokenizer.from_file(os.path.join(a.model, "tokenizer.json"))
    tok.enable_truncation(256)
    tok.no_padding()
    with open(a.input, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f]

    def encode(texts):
        encs = tok.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for s in range(0, len(order), a.batch_size):
            idx = order[s:s + a.batch_size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1
            (hidden,) = sess.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[idx] = pooled
        return out

    encode(sentences[:64])
    times = []
    for _ in range(a.runs):
        t = time.perf_counter()
        vectors = encode(sentences)
        times.append(time.perf_counter() - t)
    secs = sorted(times)[len(times) // 2]
    print(f"ort-{a.precision} {len(sentences)} {secs:.3f} {len(sentences) / secs:.1f}")
    if a.save:
        np.save(a.save, vectors)
    if a.compare:
        ref = np.load(a.compare).astype(np.float32)
        cos = (vectors * ref).sum(1) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(ref, axis=1))
        print(f"cosine min {cos.min():.6f} mean {cos.mean():.6f}")


if __name__ == "__main__":
    main()
