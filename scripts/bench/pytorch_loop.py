#!/usr/bin/env python3
"""The fp32 PyTorch baseline of the speed floor: a plain PyTorch loop over the same encoder and
heads as a stance model folder, on `stance score` input lines.

BENCHMARKS.md states the floor as "`stance score` at the default precision stays at least 1.5x the
fp32 PyTorch loop over the same encoder on the benchmark sentences"; this is that loop, and
scripts/bench/vs-pytorch.sh runs it against `stance score`. It computes what `stance score
--precision fp32` computes, to float rounding:

- input: `stance score` JSONL lines (`{"id", "text", "targets": [{"start", "end"}]}`, Unicode
  character offsets, end exclusive), as `cargo bench --bench score_throughput --
  --write-score-input FILE` writes them (src/score_jsonl.rs reads the same lines);
- encoding as src/model/encode.rs: `tokenizer.json` without special tokens, truncation or padding,
  each target's token span, windows of `max_tokens` around the targets of a long sentence, and with
  `target_markers` one row per target, `[unused0]` target `[unused1]` (`place_marked`);
- batches as src/score.rs `plan_batches`: sentences sorted by (longest row, input order), at most
  16 sentences, 2,048 padded tokens and 256 targets a batch (oversized sentences are not cut into
  pieces as `stance score` does: here such a sentence is a batch of its own);
- the BERT forward as src/model/inference_encoder.rs in fp32 (embeddings, then per layer fused
  query/key/value, PyTorch's fused attention kernel with the additive -10000 padding mask,
  residual + layer norm, exact GELU feed-forward, residual + layer norm; layer norm eps 1e-12);
  for an MPNet model (config `mpnet`) the same with MPNet's names, its layer norm eps, positions
  after the padding id and the relative-position bias (src/model/mpnet.rs) added to the mask; the
  rows are bracketed by the tokens the tokenizer's post-processor adds ([CLS]/[SEP], <s>/</s>);
- the heads as src/model/network.rs: sentence = masked mean of the row, target = mean of its
  tokens, stance features [target, sentence, target * sentence] plus, with `target_attention`, the
  row's states weighted by softmax(states . target_query(target) / sqrt(hidden)); with
  `target_locality` the sentence state is the row weighted by softmax(-near * distance) and the
  attention scores lose focus * distance (near and focus the softplus of the model's two rates,
  distance in tokens from the target's span); sentiment reads the sentence state of each
  sentence's first row; probabilities are softmax(logits / temperature) with the config's
  `stance_temperature` and `sentiment_temperature`.

Weights are stored fp16 and loaded as fp32; everything runs in fp32 under torch.inference_mode().

Run (from the repository root, with the .bench-venv that scripts/bench/vs-pytorch.sh describes):
  .bench-venv/bin/python scripts/bench/pytorch_loop.py INPUT.jsonl [--model DIR] [--threads 2]
      [--limit N] [--batch-size 16]
prints one JSON line: sentences/s and targets/s of the loop (input read, JSON parsed, tokenized,
batched, scored, probabilities read back to Python; the interpreter start, `import torch` and the
model load are not counted, and are given apart as load_s), and the peak RSS of the process.
  ... --check N
prints instead one JSON line per sentence for the first N sentences of the input, with its
sentiment and stance probabilities in label order, to compare with `stance score --precision fp32`.
"""

import argparse
import json
import math
import os
import resource
import sys
import time
import warnings

# The venv has no NumPy; torch warns about that on import, and nothing here needs it.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

# src/model/inference_encoder.rs: LAYER_NORM_EPS (rust-bert's, and BERT's).
STANCE_LAYER_NORM_EPS = 1e-12
# src/model/encode.rs: MARKER_TOKENS.
MARKERS = ("[unused0]", "[unused1]")
# src/score.rs: BatchPolicy::default().
MAX_SENTENCES, MAX_TARGETS = 16, 256


def relative_position_buckets(length, num_buckets=32, max_distance=128):
    """src/model/mpnet.rs relative_position_buckets: [len, len] bucket of (query, key)."""
    pos = torch.arange(length)
    n = pos.unsqueeze(1) - pos.unsqueeze(0)
    half = num_buckets // 2
    ret = (n < 0).long() * half
    n = n.abs()
    max_exact = half // 2
    large = max_exact + (torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (half - max_exact)).long()
    return ret + torch.where(n < max_exact, n, large.clamp_max(half - 1))


def target_distances(target_weights):
    """src/model/network.rs target_distances: each token's distance in tokens from its target's span."""
    length = target_weights.shape[1]
    inside = (target_weights > 0).long()
    first = inside.argmax(-1, keepdim=True)
    last = (length - 1) - inside.flip(-1).argmax(-1, keepdim=True)
    pos = torch.arange(length).unsqueeze(0)
    return ((first - pos).clamp_min(0) + (pos - last).clamp_min(0)).float()


class Model:
    def __init__(self, folder):
        with open(os.path.join(folder, "config.json")) as f:
            cfg = json.load(f)
        enc = cfg["encoder"]
        self.hidden = enc["hidden_size"]
        self.heads = enc["num_attention_heads"]
        self.layers_n = enc["num_hidden_layers"]
        self.mpnet = cfg.get("mpnet")
        self.eps = self.mpnet["layer_norm_eps"] if self.mpnet else enc.get("layer_norm_eps") or STANCE_LAYER_NORM_EPS
        if not self.mpnet and self.eps != STANCE_LAYER_NORM_EPS:
            print(f"pytorch_loop: warning: config layer_norm_eps {self.eps}; stance uses {STANCE_LAYER_NORM_EPS}",
                  file=sys.stderr)
        if enc.get("hidden_act", "gelu") != "gelu":
            print(f"pytorch_loop: warning: hidden_act {enc['hidden_act']!r}; stance's inference encoder uses exact GELU",
                  file=sys.stderr)
        self.max_tokens = cfg["max_tokens"]
        self.target_attention = bool(cfg.get("target_attention", False))
        self.target_markers = bool(cfg.get("target_markers", False))
        self.target_locality = bool(cfg.get("target_locality", False))
        self.stance_t = float(cfg["stance_temperature"])
        self.sentiment_t = float(cfg["sentiment_temperature"])
        self.stance_labels = cfg["stance_labels"]
        self.sentiment_labels = cfg["sentiment_labels"]

        w = {k: v.float() for k, v in load_file(os.path.join(folder, "model.safetensors")).items()}
        self.w = w
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        if self.mpnet:
            self.token_type0 = 0.0
            self.first_position = self.mpnet["pad_token_id"] + 1
            self.relative_bias = w["encoder.relative_attention_bias.weight"]
            names = ("attn.q", "attn.k", "attn.v", "attn.o", "LayerNorm")
        else:
            self.token_type0 = w["embeddings.token_type_embeddings.weight"][0]
            self.first_position = 0
            self.relative_bias = None
            names = ("self.query", "self.key", "self.value", "output.dense", "output.LayerNorm")
        self.emb_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(self.layers_n):
            p = f"encoder.layer.{i}"
            qkv_w = torch.cat([w[f"{p}.attention.{n}.weight"] for n in names[:3]], 0).contiguous()
            qkv_b = torch.cat([w[f"{p}.attention.{n}.bias"] for n in names[:3]], 0).contiguous()
            self.layers.append(dict(
                qkv=(qkv_w, qkv_b),
                attn_out=(w[f"{p}.attention.{names[3]}.weight"], w[f"{p}.attention.{names[3]}.bias"]),
                attn_norm=(w[f"{p}.attention.{names[4]}.weight"], w[f"{p}.attention.{names[4]}.bias"]),
                inter=(w[f"{p}.intermediate.dense.weight"], w[f"{p}.intermediate.dense.bias"]),
                out=(w[f"{p}.output.dense.weight"], w[f"{p}.output.dense.bias"]),
                out_norm=(w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"]),
            ))
        head = lambda name: (w[f"{name}.dense.weight"], w[f"{name}.dense.bias"],  # noqa: E731
                             w[f"{name}.out.weight"], w[f"{name}.out.bias"])
        self.stance_head = head("stance_head")
        self.sentiment_head = head("sentiment_head")
        self.target_query = (w["target_query.weight"], w["target_query.bias"]) if self.target_attention else None
        # src/model/network.rs: LOCALITY_NEAR / LOCALITY_FOCUS, rates through softplus.
        self.locality = ((F.softplus(w["target_locality.near"]), F.softplus(w["target_locality.focus"]))
                         if self.target_locality else None)

        tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        tok.no_truncation()
        tok.no_padding()
        self.tok = tok
        # src/model/encode.rs: the tokens the tokenizer's own post-processor puts around a sentence.
        around = tok.encode("", add_special_tokens=True).ids
        self.cls, self.sep = around if len(around) == 2 else (tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]"))
        if self.target_markers:
            self.open, self.close = tok.token_to_id(MARKERS[0]), tok.token_to_id(MARKERS[1])
            if self.open is None or self.close is None:
                raise SystemExit(f"{folder}: tokenizer has no {MARKERS} tokens")

    # ---- encoding: src/model/encode.rs ----

    def place(self, ids, offsets, spans):
        """Rows (lists of ids) and targets (row, start, end) of one sentence, as SentenceEncoder::place."""
        tok_spans = []
        for index, (s_start, s_end) in enumerate(spans):
            if s_start >= s_end:
                raise ValueError(f"target {index}: empty span {s_start}..{s_end}")
            first, last = None, 0
            for t, (a, b) in enumerate(offsets):
                if a < s_end and b > s_start and b > a:
                    if first is None:
                        first = t
                    last = t + 1
            if first is None:
                raise ValueError(f"target {index}: span {s_start}..{s_end} covers no token")
            tok_spans.append((first, last))
        if self.target_markers and tok_spans:
            return self.place_marked(ids, tok_spans)
        budget = self.max_tokens - 2
        n = len(ids)
        row = lambda a, b: [self.cls] + ids[a:b] + [self.sep]  # noqa: E731
        if n <= budget:
            return [row(0, n)], [(0, a + 1, b + 1) for a, b in tok_spans]
        order = sorted(range(len(tok_spans)), key=lambda i: (tok_spans[i][0], i))
        rows, targets = [], [None] * len(tok_spans)
        i = 0
        while i < len(order):
            g_start, g_end = tok_spans[order[i]]
            j = i + 1
            while j < len(order) and max(tok_spans[order[j]][1], g_end) - g_start <= budget:
                g_end = max(g_end, tok_spans[order[j]][1])
                j += 1
            centre = (g_start + min(g_end, g_start + budget)) // 2
            frm = min(max(centre - budget // 2, 0), n - budget)
            to = frm + budget
            r = len(rows)
            rows.append(row(frm, to))
            for t in order[i:j]:
                a, b = tok_spans[t]
                a = min(max(a, frm), to - 1)
                b = min(max(b, a + 1), to)
                targets[t] = (r, a - frm + 1, b - frm + 1)
            i = j
        if not rows:
            rows.append(row(0, budget))
        return rows, targets

    def place_marked(self, ids, tok_spans):
        """One row per target: [CLS] ... [unused0] target [unused1] ... [SEP], as place_marked."""
        budget = self.max_tokens - 4
        n = len(ids)
        rows, targets = [], []
        for r, (a, b) in enumerate(tok_spans):
            b = min(b, a + budget)
            if n <= budget:
                frm, to = 0, n
            else:
                centre = (a + b) // 2
                frm = min(max(centre - budget // 2, 0), n - budget, a)
                to = max(frm + budget, b)
            row = [self.cls] + ids[frm:a]
            start = len(row)
            row += [self.open] + ids[a:b] + [self.close]
            end = len(row)
            row += ids[b:to] + [self.sep]
            rows.append(row)
            targets.append((r, start, end))
        return rows, targets

    def encode_lines(self, lines):
        """Parses `stance score` lines and encodes them: [(rows, targets)] in input order."""
        items = []
        for n, line in enumerate(lines, 1):
            obj = json.loads(line)
            text = obj["text"]
            spans = [(t["start"], t["end"]) for t in obj.get("targets", [])]
            items.append((text, spans))
        encs = self.tok.encode_batch([t for t, _ in items], add_special_tokens=False)
        return [self.place(e.ids, e.offsets, spans) for e, (_, spans) in zip(encs, items)]

    # ---- batching: src/score.rs plan_batches ----

    @staticmethod
    def plan(encoded, max_sentences, max_tokens):
        max_len = lambda i: max((len(r) for r in encoded[i][0]), default=0)  # noqa: E731
        order = sorted(range(len(encoded)), key=lambda i: (max_len(i), i))
        batches, current, rows, targets = [], [], 0, 0
        for i in order:
            length, r, t = max_len(i), len(encoded[i][0]), len(encoded[i][1])
            if current and (len(current) >= max_sentences or (rows + r) * length > max_tokens
                            or targets + t > MAX_TARGETS):
                batches.append(current)
                current, rows, targets = [], 0, 0
            current.append(i)
            rows += r
            targets += t
        if current:
            batches.append(current)
        return batches

    # ---- forward: src/model/inference_encoder.rs and src/model/network.rs ----

    def collate(self, members):
        length = max(2, max(len(r) for rows, _ in members for r in rows))
        n_rows = sum(len(rows) for rows, _ in members)
        n_targets = sum(len(ts) for _, ts in members)
        ids = torch.zeros(n_rows, length, dtype=torch.long)
        mask = torch.zeros(n_rows, length, dtype=torch.long)
        weights = torch.zeros(n_targets, length)
        target_rows, sentence_rows = [], []
        row0 = t_index = 0
        for rows, targets in members:
            sentence_rows.append(row0)
            for k, r in enumerate(rows):
                ids[row0 + k, :len(r)] = torch.tensor(r)
                mask[row0 + k, :len(r)] = 1
            for row, start, end in targets:
                target_rows.append(row0 + row)
                weights[t_index, start:end] = 1.0 / (end - start)
                t_index += 1
            row0 += len(rows)
        return ids, mask, torch.tensor(target_rows, dtype=torch.long), weights, torch.tensor(sentence_rows, dtype=torch.long)

    def encoder(self, ids, mask):
        rows, length = ids.shape
        h = self.hidden
        x = self.word[ids] + self.position[self.first_position:self.first_position + length].unsqueeze(0) + self.token_type0
        x = F.layer_norm(x, (h,), *self.emb_norm, self.eps)
        additive = ((mask.float() - 1.0) * 10000.0).view(rows, 1, 1, length)
        if self.relative_bias is not None:
            additive = additive + self.relative_bias[relative_position_buckets(length)].permute(2, 0, 1).unsqueeze(0)
        head_dim = h // self.heads
        for L in self.layers:
            qkv = F.linear(x, *L["qkv"]).view(rows, length, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
            ctx = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=additive)
            ctx = ctx.transpose(1, 2).reshape(rows, length, h)
            x = F.layer_norm(F.linear(ctx, *L["attn_out"]) + x, (h,), *L["attn_norm"], self.eps)
            inner = F.gelu(F.linear(x, *L["inter"]))
            x = F.layer_norm(F.linear(inner, *L["out"]) + x, (h,), *L["out_norm"], self.eps)
        return x

    @staticmethod
    def head(x, p):
        return F.linear(F.gelu(F.linear(x, p[0], p[1])), p[2], p[3])

    def forward(self, ids, mask, target_rows, target_weights, sentence_rows):
        states = self.encoder(ids, mask)  # [rows, len, hidden]
        m = mask.float().unsqueeze(-1)
        sentence = (states * m).sum(1) / m.sum(1).clamp_min(1.0)
        rows = states.index_select(0, target_rows)
        row_mask = mask.index_select(0, target_rows)
        target = (rows * target_weights.unsqueeze(-1)).sum(1)
        d = target_distances(target_weights) if self.locality is not None else None
        if d is None:
            sentence_for_targets = sentence.index_select(0, target_rows)
        else:
            local = (-self.locality[0] * d).masked_fill(row_mask == 0, float("-inf"))
            sentence_for_targets = local.softmax(-1).unsqueeze(1).bmm(rows).squeeze(1)
        parts = [target, sentence_for_targets, target * sentence_for_targets]
        if self.target_query is not None:
            q = F.linear(target, *self.target_query).unsqueeze(-1)  # [targets, hidden, 1]
            scores = rows.bmm(q).squeeze(-1) / math.sqrt(states.shape[2])
            if d is not None:
                scores = scores - d * self.locality[1]
            scores = scores.masked_fill(row_mask == 0, float("-inf"))
            parts.append(scores.softmax(-1).unsqueeze(1).bmm(rows).squeeze(1))
        stance = self.head(torch.cat(parts, 1), self.stance_head)
        sentiment = self.head(sentence.index_select(0, sentence_rows), self.sentiment_head)
        return (stance / self.stance_t).softmax(-1), (sentiment / self.sentiment_t).softmax(-1)

    def score(self, encoded, batch_size, batch_tokens):
        """Probabilities per sentence, in input order: [(sentiment [3], [stance [3] per target])]."""
        out = [None] * len(encoded)
        for batch in self.plan(encoded, batch_size, batch_tokens):
            members = [encoded[i] for i in batch]
            stance, sentiment = self.forward(*self.collate(members))
            stance, sentiment = stance.tolist(), sentiment.tolist()
            t = 0
            for k, i in enumerate(batch):
                n = len(encoded[i][1])
                out[i] = (sentiment[k], stance[t:t + n])
                t += n
        return out


def compare(model, lines, scores, against):
    """Prints how far these probabilities are from `stance score`'s (six decimals) on the same lines."""
    with open(against, encoding="utf-8") as f:
        theirs = [json.loads(line) for line in f if line.strip()][:len(lines)]
    if len(theirs) < len(lines):
        raise SystemExit(f"{against}: {len(theirs)} lines, the check has {len(lines)}")
    worst, values, labels_differ, n_labels = 0.0, 0, 0, 0
    argmax = lambda p: max(range(3), key=p.__getitem__)  # noqa: E731
    for line, (sentiment, stance), out in zip(lines, scores, theirs):
        if json.loads(line).get("id") != out.get("id"):
            raise SystemExit(f"{against}: id {out.get('id')!r} where the input has {json.loads(line).get('id')!r}")
        pairs = [(sentiment, [out["sentiment"][k] for k in model.sentiment_labels])]
        pairs += [(p, [t["stance"][k] for k in model.stance_labels]) for p, t in zip(stance, out["targets"])]
        if len(out["targets"]) != len(stance):
            raise SystemExit(f"{against}: id {out.get('id')!r} has {len(out['targets'])} targets, here {len(stance)}")
        for mine, other in pairs:
            worst = max(worst, max(abs(a - b) for a, b in zip(mine, other)))
            values += 3
            n_labels += 1
            labels_differ += argmax(mine) != argmax(other)
    print(json.dumps({"sentences": len(lines), "probabilities": values, "max_abs_diff": worst,
                      "labels": n_labels, "labels_differ": labels_differ}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="stance score input JSONL")
    ap.add_argument("--model", default="models/stance-minilm", help="stance model folder")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N non-blank input lines")
    ap.add_argument("--batch-size", type=int, default=MAX_SENTENCES, help="sentences per batch (default 16)")
    ap.add_argument("--batch-tokens", type=int, default=2048, help="padded tokens per batch at most (default 2048)")
    ap.add_argument("--check", type=int, default=0, metavar="N",
                    help="print the probabilities of the first N sentences instead of timing")
    ap.add_argument("--against", metavar="SCORES",
                    help="with --check: compare with `stance score` output lines for the same input instead of "
                         "printing (largest probability difference, labels that differ)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    t_load = time.perf_counter()
    model = Model(args.model)
    load_s = time.perf_counter() - t_load

    with torch.inference_mode():
        t0 = time.perf_counter()
        with open(args.input, encoding="utf-8-sig") as f:
            lines = [line for line in f if line.strip()]
        limit = args.check or args.limit
        if limit:
            lines = lines[:limit]
        encoded = model.encode_lines(lines)
        scores = model.score(encoded, args.batch_size, args.batch_tokens)
        secs = time.perf_counter() - t0

    if args.check and args.against:
        compare(model, lines, scores, args.against)
        return
    if args.check:
        for line, (sentiment, stance) in zip(lines, scores):
            obj = json.loads(line)
            print(json.dumps({
                "id": obj.get("id"),
                "sentiment": dict(zip(model.sentiment_labels, sentiment)),
                "targets": [dict(zip(model.stance_labels, p)) for p in stance],
            }))
        return
    n = len(encoded)
    targets = sum(len(ts) for _, ts in encoded)
    tokens = sum(len(r) for rows, _ in encoded for r in rows)
    print(json.dumps({
        "what": "pytorch fp32 loop",
        "torch": torch.__version__,
        "threads": args.threads,
        "sentences": n,
        "targets": targets,
        "tokens": tokens,
        "seconds": round(secs, 3),
        "sentences_per_s": round(n / secs, 1),
        "targets_per_s": round(targets / secs, 1),
        "load_s": round(load_s, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    main()
