"""Build a tiny, randomly initialised Llama-style model and its tokenizer, offline, for vLLM tests.

Run: ``python tests/gpu/build_tiny_llama.py OUT_DIR`` then ``vllm serve OUT_DIR --served-model-name tiny-llama``.

Nothing is downloaded: the tokenizer is a byte-level BPE trained here on a few sentences of
trading vocabulary, and the weights are random (the answers are gibberish; the tests check the
serving path, streaming, usage counts, cancellation and timings, not the text).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

#: A chat template vLLM's OpenAI server applies to /v1/chat/completions messages.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
CORPUS = [
    "select symbol, close from daily_bars where date = current_date order by close desc limit 10",
    "the committee decided to maintain the target range for the federal funds rate",
    "breakout score momentum rsi macd volume trades orders positions accounts desk strategy",
    "what did the filing say about supply chain risk and revenue guidance for the quarter",
] * 50


def build(out: Path, *, hidden: int = 64, layers: int = 2, heads: int = 4, vocab: int = 512, seed: int = 0) -> Path:
    """Write config, random weights and tokenizer files into ``out``; returns it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    special = ["<unk>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=vocab, special_tokens=special,
                                                                initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   pad_token="</s>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out)

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(fast), hidden_size=hidden, intermediate_size=hidden * 2,
                         num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                         max_position_embeddings=2048, bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id,
                         pad_token_id=fast.pad_token_id, tie_word_embeddings=False, torch_dtype="bfloat16")
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    (out / "README.txt").write_text("Random tiny Llama for serving tests; not a useful model.\n")
    return out


def main() -> None:
    """Command line: the output folder and optional sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args()
    folder = build(args.out, hidden=args.hidden, layers=args.layers)
    print(json.dumps({"model": str(folder), "files": sorted(p.name for p in folder.iterdir())}))


if __name__ == "__main__":
    main()
