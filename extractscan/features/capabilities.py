"""Capability pattern sets: what a prompt is trying to get out of the model.

Extraction campaigns aim at a model's most valuable capabilities (DOMAIN.md): step-by-step
reasoning, agentic tool use, coding, and grading as a reward model. Each capability is a
*set* of case-insensitive patterns, so one phrasing alone does not define it; a prompt
matches a capability when any pattern of the set matches. A wrapper rewritten by a model
asks for the same in other words ("rebuild the line of reasoning", "label each step",
"rate the original on a 1-10 scale"); the sets hold those idioms too, each one a request
for reasoning or a grade rather than a mention of a step or a rating (before them, 35 %
of one chain-of-thought wrapper's and 59 % of one grading wrapper's rewrites in the
randomized worlds matched nothing; on the fit worlds no campaign's recall or benign
account's severity changed).

Reference: Anthropic, "Detecting and preventing distillation attacks" (February 2026),
for the capability list; the phrasings are the common public prompt idioms for each.
Probing follows the query types of model-inversion and membership-inference attacks
(Fredrikson et al., CCS 2015; Shokri et al., IEEE S&P 2017) and prompt-extraction
attempts.
"""

from __future__ import annotations

import re

import polars as pl

CAPABILITIES: dict[str, tuple[str, ...]] = {
    # Chain-of-thought elicitation: asks for the reasoning itself, not just the answer.
    "cot": (
        r"step[- ]by[- ]step",
        r"internal reasoning",
        r"chain[- ]of[- ]thought",
        r"reasoning (?:trace|process|steps?)\b",
        r"line of reasoning",
        r"thought process",
        r"intermediate (?:thoughts?|steps?|reasoning)",
        r"(?:number|label|enumerate|explain|justify) (?:each|every) (?:reasoning )?step",
        r"let(?:'|\u2019)?s think\b",
        r"walk (?:me )?through (?:your|the) (?:reasoning|thinking|logic)",
        r"articulate (?:the|your) (?:\w+ )?(?:reasoning|thought)",
        r"show (?:all )?(?:your|the) (?:work|reasoning)",
        r"explain your reasoning",
        r"think (?:through|carefully|aloud) ",
    ),
    # Agentic tool-use traces.
    "tool_use": (
        r"tool[_ -]?calls?\b",
        r"function[_ -]call",
        r"\bavailable tools\b",
        r"\byou are an? (?:\w+ )?agent\b",
        r"\bobservation:",
        r"\baction input\b",
        r"trace of (?:the )?(?:tool|actions|steps)",
    ),
    # Code generation.
    "coding": (
        r"\b(?:write|implement|generate) (?:a |an |the )?(?:\w+ ){0,3}"
        r"(?:code|program|script|function|class|implementation)\b",
        r"\bpython implementation\b",
        r"\bunit tests?\b",
        r"```",
        r"\brefactor\b",
        r"\b(?:def|class|import|return) \w+",
    ),
    # Rubric grading: using the model as a reward model.
    "rubric": (
        r"\b(?:rate|score|grade|evaluate|judge) (?:the|this|each|both) (?:\w+ ){0,3}"
        r"(?:response|answer|completion|reply)s?\b",
        r"\bassign (?:a |it a )?(?:score|grade|rating)\b",
        r"\bon a scale (?:of|from) 1\b",
        r"\bon a 1 ?- ?(?:5|10) scale\b",
        r"\bout of 10\b",
        r"\brubric\b",
        r"\bwhich (?:response|answer|completion|reply) is "
        r"(?:better|stronger|preferable|more helpful)\b",
        r"\bfrom 1 to 10\b",
        r"\b(?:rewrite|rephrase|revise) (?:the following|this|the next|the) (?:\w+ ){0,3}"
        r"so (?:that )?it is (?:safer|more harmless|less harmful)",
    ),
    # Probing the model itself: architecture, training data, system prompt, safety
    # thresholds (the "unusual prompts" of model-inversion and membership-inference work).
    "probing": (
        r"\b(?:print|reveal|repeat|show) (?:me )?your (?:system prompt|instructions|hidden prompt)",
        r"\bsystem prompt verbatim\b",
        r"\bwhat (?:data|datasets) were you trained on\b",
        r"\b(?:training data|training set) (?:sources|contain|include)",
        r"\bhow many (?:parameters|layers)\b",
        r"\byour (?:model )?architecture\b",
        r"\b(?:threshold|score) (?:does|at which) your (?:safety|content) (?:filter|classifier)",
        r"\bat what threshold\b",
    ),
}


def pattern(capability: str) -> str:
    """The combined case-insensitive regex for one capability."""
    return "(?i)(?:" + "|".join(CAPABILITIES[capability]) + ")"


def flags(lowercase_prompt: pl.Expr) -> list[pl.Expr]:
    """One boolean column per capability, named ``cap_<name>``.

    A null prompt gives null (not measured), so a share counts the rows that have a
    prompt, and a log without a prompt column has no share at all rather than 0 %.

    Takes the prompt already lowercased (the patterns are lowercase and matched
    case-sensitively: measured 1.5x faster than five case-insensitive scans). Give it a
    column lowercased once: polars does not share ``str.to_lowercase()`` between the
    five expressions, and lowercasing five times cost 40 % of the whole capability step.
    """
    return [
        lowercase_prompt.str.contains("(?:" + "|".join(CAPABILITIES[name]) + ")").alias(
            f"cap_{name}"
        )
        for name in CAPABILITIES
    ]


def matches(text: str) -> set[str]:
    """Capabilities a single prompt matches (for ``explain`` and tests)."""
    return {name for name in CAPABILITIES if re.search(pattern(name), text) is not None}
