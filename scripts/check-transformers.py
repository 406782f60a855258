#!/usr/bin/env python3
"""Checks that a download runs in Hugging Face transformers as it is (not part of `npm test`).

For each model (a .zip from the page's Models tab, or a folder from `npm run cli -- train` or
`export-hf`): unzip it, load it with `pipeline("text-generation", model=folder)` and compare its
greedy continuation of a prompt with this project's own greedy text for the same prompt
(`node dist-node/cli.js generate --temperature 0`, the engine the page runs, on WebGPU). Also
checks that AutoTokenizer encodes the prompt to the same ids as our tokenizer and decodes them back;
for a byte-level BPE (GPT-2's, or one learned from the training text with `train --tokenizer bpe`)
also a harder text, and with --text FILE the first 3000 characters of FILE (a learned BPE's own
training text uses most of its merges).

    python3 -m venv .venv && .venv/bin/pip install torch transformers
    npm run build:node
    .venv/bin/python scripts/check-transformers.py model.zip other-model/ [--prompt TEXT] [--tokens 40] [--text FILE]

Exit status 0 when every model matches, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "dist-node", "cli.js")


def model_folder(path, tmp):
    """A folder holding config.json: the path itself, or the .zip unpacked (flat or one folder deep)."""
    if os.path.isdir(path):
        return path
    out = os.path.join(tmp, os.path.basename(path))
    with zipfile.ZipFile(path) as z:
        z.extractall(out)
    for dirpath, _, files in os.walk(out):
        if "config.json" in files:
            return dirpath
    raise SystemExit(f"{path}: no config.json inside")


def ours(folder, prompt, tokens):
    """Our greedy text (prompt included) and our ids of the prompt."""
    if tokens == 0:  # the ids only
        return "", our_ids(folder, prompt)
    gen = subprocess.run(
        ["node", "--no-use-osr", CLI, "generate", "--model", folder, "--prompt", prompt,
         "--max-new-tokens", str(tokens), "--temperature", "0"],
        check=True, capture_output=True, text=True)
    text = gen.stdout[:-1] if gen.stdout.endswith("\n") else gen.stdout  # the CLI ends with a newline
    return text, our_ids(folder, prompt)


def our_ids(folder, prompt):
    # Into a file: node may exit before a pipe takes all of GPT-2's 50257 logits; the prompt too (it may be long).
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write(prompt)
    try:
        with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
            subprocess.run(["node", "--no-use-osr", CLI, "logits", "--model", folder, "--prompt-file", f.name], check=True, stdout=out)
            out.seek(0)
            return json.load(out)["tokens"]
    finally:
        os.unlink(f.name)


def theirs_ids(folder, text):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder)(text)["input_ids"]


def theirs_decode(folder, ids):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(folder).decode(ids)


def theirs(folder, prompt, tokens):
    from transformers import AutoTokenizer, pipeline

    tok = AutoTokenizer.from_pretrained(folder)
    ids = tok(prompt)["input_ids"]
    roundtrip = tok.decode(ids)
    generate = pipeline("text-generation", model=folder, device="cpu")
    out = generate(prompt, max_new_tokens=tokens, do_sample=False)[0]["generated_text"]
    return out, ids, roundtrip


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+", help="a downloaded .zip or a model folder")
    ap.add_argument("--prompt", default=None, help="default: a letter of a character vocabulary, or 'The'")
    ap.add_argument("--tokens", type=int, default=40, help="new tokens at most (fewer where the context ends first)")
    ap.add_argument("--text", default=None, help="a text file whose first 3000 characters both tokenizers must encode alike (byte-level BPE)")
    args = ap.parse_args()
    if not os.path.exists(CLI):
        raise SystemExit("dist-node/cli.js is missing: run `npm run build:node` first")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.models:
            folder = model_folder(path, tmp)
            model = json.load(open(os.path.join(folder, "tokenizer.json"), encoding="utf-8"))["model"]
            kind = model["type"]
            letters = [ch for ch in model["vocab"] if ch.isalpha()] if kind == "WordLevel" else []
            prompt = args.prompt or ("The" if kind == "BPE" else (letters or list(model["vocab"]))[0])
            if kind == "BPE":  # the tokenizers agree on a harder text too (pieces, bytes, <|endoftext|>)
                which = "GPT-2's BPE" if len(model["vocab"]) >= 50256 else f"a BPE learned from its text, {len(model['vocab'])} tokens"
                samples = ["Hello world! isn't it?\n\tTabs  and  spaces 你好 😀 1234567<|endoftext|>naïve"]
                if args.text:
                    samples.append(open(args.text, encoding="utf-8").read()[:3000])
                for sample in samples:
                    sample_ids = our_ids(folder, sample)
                    same = theirs_ids(folder, sample) == sample_ids and theirs_decode(folder, sample_ids) == sample
                    failed += not same
                    shown = sample if len(sample) < 100 else f"{sample[:40]}… ({len(sample)} characters, {len(sample_ids)} tokens)"
                    print(f"{'OK  ' if same else 'FAIL'} {path} ({which}): AutoTokenizer's ids of {shown!r} {'are' if same else 'are not'} ours, and decode back")
            # Within the context: past it GPT2LMHeadModel has no positions, and our engine slides its window.
            context = json.load(open(os.path.join(folder, "config.json")))["n_positions"]
            tokens = min(args.tokens, context - len(theirs_ids(folder, prompt)))
            mine, my_ids = ours(folder, prompt, tokens)
            hf, hf_ids, roundtrip = theirs(folder, prompt, tokens)
            # Generation stops at <|endoftext|> in transformers (and the pipeline drops it); ours goes on.
            mine_cut = mine.split("<|endoftext|>")[0]
            ok = hf == mine_cut and hf_ids == my_ids and roundtrip == prompt
            failed += not ok
            print(f"{'OK  ' if ok else 'FAIL'} {path} ({kind}, prompt {prompt!r}, {tokens} tokens)")
            print(f"     ids      ours {my_ids}  transformers {hf_ids}")
            print(f"     ours         {mine_cut!r}")
            print(f"     transformers {hf!r}")
    print(f"{len(args.models) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
