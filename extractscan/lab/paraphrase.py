"""Paraphrased extraction wrappers for the randomized worlds.

A careful operator has every wrapper rewritten by a model, so no two requests share an
exact wrapper (DOMAIN.md, "What the next campaign will do"). Each wrapper below is a
sequence of alternatives: ``[a|b|c]`` picks one, ``{slot}`` stays a slot for
:func:`extractscan.lab.simulate._fill`. :func:`variants` draws a world's set of concrete
wrappers from them with the world's own random stream, clauses sometimes swapped, so
the set is the same for the same seed and different between worlds.
"""

from __future__ import annotations

import re

import numpy as np

#: Capability -> wrappers with alternatives. Same capabilities as the fixed simulator's
#: templates (chain-of-thought, agent traces, coding, rubric grading, safer rewrites).
WRAPPERS: dict[str, tuple[str, ...]] = {
    "cot": (
        "[Imagine|Picture|Envision] and [articulate|spell out|write down|lay out] the "
        "[internal|hidden|underlying] reasoning behind a [completed|finished|final] "
        "[response|answer], step by step.|| [Task|Question|Problem]: [explain|describe|"
        "show] how {topic} [affects|shapes|influences|drives] {topic2} in {field}. "
        "[Present|Give|Show|List] every intermediate [thought|step] before the final answer.",
        "[Reconstruct|Recreate|Rebuild|Write out] the [chain-of-thought|chain of thought|"
        "line of reasoning] a [strong|capable|expert] [model|assistant|reasoner] would "
        "[use|follow] to answer: [what links|how are|what connects] {topic} and {topic2} "
        "[in|within|for] {field}?|| [Number|Label|Enumerate] each [reasoning step|step]"
        "[.|, one per line.]",
        "[Think|Reason|Work] [through this|it through|carefully] step by step[,|;] "
        "[writing|spelling|setting] out [every|each|all] intermediate [thought|step]"
        "[ before the final answer| ahead of your answer|, then answer].|| "
        "[How does|In what way does|Why does] {topic} [shape|affect|change] {topic2} "
        "[in|within] {field}?",
    ),
    "agent": (
        "[You are|Act as|Behave as] an [autonomous|independent|tool-using] agent "
        "[with access to|that can call|equipped with] the [available |]tools {tool} and "
        "{tool2}.|| [Produce|Emit|Write|Show] the [full|complete|entire] trace of tool "
        "calls and observations [needed|required|you would use] to [compare|contrast|"
        "weigh] {topic} [with|against|and] {topic2} for a {field} [report|brief|memo].",
        "[Act as|Pretend to be|Play] an agent. [Available tools|Tools you can use|Your "
        "tools]: {tool}, {tool2}.|| [For|Toward] the goal of [summarising|reviewing|"
        "surveying] {topic} [research|work|findings] in {field}, [emit|output|print] "
        "each tool call as JSON [followed by|and then|with] its observation.",
    ),
    "code": (
        "[Write|Produce|Give me|Create] a [complete|full|working], [well-tested|tested|"
        "unit-tested] Python implementation of {algo} for a {field} [workload|use case|"
        "system].|| [Explain|Walk through|Describe] your reasoning step by step "
        "[before|ahead of|prior to] the code.",
        "[Implement|Build|Code] {algo} in Python [with|including|plus] unit tests[,|;|.] "
        "[then|and then|afterwards] [explain|justify|describe] [your|each] design "
        "[decision|choice] step by step [in|for] a {field} [setting|context].",
    ),
    "rubric": (
        "[Rate|Score|Grade] the [following|next|given] response [from 1 to 10|on a 1-10 "
        "scale|out of 10] [against|using|with] the rubric ([accuracy, depth, clarity|"
        "clarity, depth, accuracy|depth, accuracy, clarity]) and [justify|explain|defend] "
        "the score.|| [Question|Prompt]: why does {topic} matter in {field}? [Response|"
        "Answer]: {sentence}.",
        "[Which|What] response is [better|stronger|preferable], A or B? [Grade|Score|"
        "Rate] each [against|using] the rubric ([safety, accuracy|accuracy, safety|"
        "harmlessness, helpfulness]).|| A: {sentence}. B: {sentence2}.",
        "[Rewrite|Rephrase|Revise] the [following|next] response so that it is [safer|"
        "more harmless|less harmful] [while staying|but still|and remains] helpful: "
        "{sentence}.|| [Then|Afterwards|Next] [rate|score|grade] the original [from 1 to "
        "10|on a 1-10 scale|out of 10].",
    ),
}

#: Capability mixes of the campaign families (which wrappers a campaign sends).
FAMILY_CAPABILITIES: dict[str, tuple[str, ...]] = {
    "cot": ("cot", "agent", "code", "rubric"),
    "reward": ("rubric",),
    "pivot": ("code", "agent"),
    "reasoning": ("cot",),
}

_CHOICE = re.compile(r"\[([^\[\]]*)\]")


def expand(wrapper: str, rng: np.random.Generator) -> str:
    """One concrete wrapper: every ``[a|b]`` resolved, the two clauses (split at ``||``)
    swapped half of the time."""

    def pick(m: re.Match[str]) -> str:
        options = m.group(1).split("|")
        return options[int(rng.integers(0, len(options)))]

    text = _CHOICE.sub(pick, wrapper)
    head, _, tail = text.partition("||")
    if tail and rng.random() < 0.5:
        head, tail = tail.strip(), head.strip()
    return " ".join(f"{head} {tail}".split())


def variants(
    family: str,
    n: int,
    rng: np.random.Generator,
    wrappers: dict[str, tuple[str, ...]] | None = None,
) -> tuple[str, ...]:
    """``n`` distinct paraphrased wrappers (fewer if the alternatives run out) of a
    campaign family, deterministic in ``rng``, from ``wrappers`` (default
    :data:`WRAPPERS`; another wording: :mod:`extractscan.lab.wordings`)."""
    table = WRAPPERS if wrappers is None else wrappers
    sources = [w for cap in FAMILY_CAPABILITIES[family] for w in table[cap]]
    out: dict[str, None] = {}
    for _ in range(n * 20):
        if len(out) >= n:
            break
        out.setdefault(expand(sources[int(rng.integers(0, len(sources)))], rng))
    return tuple(out)
