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

The worlds' wrappers and these patterns were written by the same hands, so the worlds
could not show how the patterns fare on a campaign worded by someone else. Wrapper sets
written blind (:mod:`extractscan.lab.wordings`: by writers who had not seen the patterns)
showed it: 34 %, 32 %, 17 % and 15 % of four sets' expanded wrappers matched a
capability, and 21 % of a fifth, kept held out. The sets now also hold the idioms of
those other hands, each still a request rather than a topic: a rationale or think tags,
"show your working", deductions before the answer, "Step 1: ... Step 2:", thinking out
loud, sub-questions; the tools, functions or APIs available and which to call, "pretend
you can use ...", Thought/Action traces; code to port, complete or fix with its tests,
programming tasks, complexity; a judge or reward model comparing Response A and B,
ranking candidates, a score between two numbers, a verdict, a critique, a preference
label; a few of them in German, Spanish and French. Measured (20 expansions of every
wrapper, ``benchmarks/RESULTS.md`` "Wording written by another hand"): the four fit sets
78 %, 78 %, 51 % and 62 %, the held-out set 51 %; of the ordinary one-off requests
written beside each set as look-alikes (a homework question asked step by step, "rate
my cover letter", one SQL question) 6, 6, 2, 4 and 4 of about 70 match (5, 4, 2, 2 and 1
before). An account is extraction-heavy only on a share of its requests
(``heavy_share``, by a Wilson bound), so a one-off look-alike does not make it heavy.
Code itself counts by its syntax (``def f(``, ``class A:``, ``from m import x``), not by
the English words "return", "class" or "import".

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
        # in other words (a wrapper written by another hand: the held-out wording sets)
        r"\brationale\b",
        r"<think>",
        r"\bthink(?:ing)? tags?\b",
        r"\b(?:explain|show|describe|outline|document|lay out|write out|spell out|present) "
        r"(?:\w+ ){0,3}(?:reasoning|thinking|logic|deductions?|derivation|inferences?)\b",
        r"\bshow (?:all |me )?(?:of )?(?:your |the )?working\b",
        r"\bhow you (?:arrived at|reached|came to|derived)\b",
        r"\breason (?:about|through|carefully|it out)\b",
        r"\b(?:numbered|sequence of|list of|chain of) (?:\w+ )?(?:deductions|inferences)\b",
        r"\bstep 1:.*\bstep 2:",
        r"\b(?:derivation|deliberation|thinking process)\b",
        r"\b(?:before|prior to) "
        r"(?:answering|responding|(?:giving )?(?:the|your) (?:final )?answer)\b",
        r"\bfinal answer\b",
        r"\byour (?:working|reasoning)\b",
        r"\bworked (?:explanation|solution|example)s?\b",
        r"\beach (?:deduction|inference)\b",
        r"\bsub-?problems\b",
        r"\bsub-?questions\b",
        r"\bverbali[sz]e (?:your |the )?(?:thinking|reasoning|thoughts)\b",
        r"\b(?:reasoning|rationale|derivation) (?:first|then|before)\b",
        r"\b(?:write|narrate|lay) (?:out |down )?(?:all |every )?(?:of )?your "
        r"(?:thinking|thoughts)\b",
        r"\bthink (?:it )?(?:through )?out loud\b",
        r"\bevery (?:line|step) of (?:the |your )?working\b",
        # the same requests in the other languages campaigns write in
        r"schritt f(?:ü|ue)r schritt|paso a paso|(?:é|e)tape par (?:é|e)tape",
        r"\b(?:razonamiento|raisonnement|gedankengang|denkweg)\b",
    ),
    # Agentic tool-use traces.
    "tool_use": (
        r"tool[_ -]?calls?\b",
        r"function[_ -]call",
        r"\bavailable tools\b",
        r"\byou are an? (?:\w+ )?agent\b",
        r"\b(?:available|following|these|provided) (?:apis|tools|functions)\b",
        r"\b(?:tool|function) (?:invocations?|schema|arguments)\b",
        r"\btool[- ]use\b",
        r"\b(?:toolset|tool set|tools you can use)\b",
        r"\b(?:thought|action):",
        r"\bagentic\b",
        r"\b(?:autonomous|research|tool-using) agent\b",
        r"\bcall (?:the |these |one of the )?(?:\w+ )?(?:tools?|functions)\b",
        r"\b(?:which|what) (?:tool|function)s? to (?:call|invoke|use)\b",
        r"\b(?:tool|function|api) to (?:invoke|call)\b",
        r"\binvocations?\b",
        r"\b(?:functions?|tools?) (?:is|are) available\b",
        r"\b(?:pretend|imagine|suppose|let's say) (?:that )?you "
        r"(?:have|had|can|could|are able to|were able to) (?:access to |use |run |call |query )",
        r"\b(?:thought|action)/(?:action|observation)\b",
        r"\breact[- ]style\b",
        r"\bagent (?:mode|transcript|trajectory|loop)\b",
        r"\b(?:fn|function|tool) calls\b",
        r"\bllamadas? a (?:funci(?:ó|o)n|herramientas)\b",
        r"\b(?:acceso a herramientas|zugriff auf (?:die )?werkzeuge)\b",
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
        # code itself (not "return the book", "class notes", "import duties")
        r"\bdef \w+\s*\(",
        r"\bclass \w+\s*[:(]",
        r"\bfrom [\w.]+ import \w",
        r"\bimport [\w.]+ as \w",
        r"\b(?:write|implement|generate|produce|create|build|code up) (?:a |an |the )?(?:\w+ ){0,3}"
        r"(?:module|method|solution|snippet|query|endpoint)s?\b",
        r"\b(?:translate|port|convert) (?:this|the following|the) (?:\w+ ){0,3}"
        r"(?:code|snippet|function|class|program|module|implementation)\b",
        r"\bfrom (?:java|python|c\+\+|rust|javascript|typescript|kotlin|ruby|php|c#|go) to "
        r"(?:java|python|c\+\+|rust|javascript|typescript|kotlin|ruby|php|c#|go)\b",
        r"\b(?:complete|finish|fill in) (?:the |this )?(?:following |given )?(?:\w+ )?"
        r"(?:function|method|class|stub|body|implementation)\b",
        r"\b(?:test cases|test suite|doctests?)\b",
        r"\b(?:big-o|time complexity|leetcode|competitive programm)",
        r"\b(?:reference|accepted) solution\b",
        r"\bsql query\b",
        r"\b(?:failing|red) tests?\b",
        r"\bcorrected code\b",
        r"\b(?:programming|coding) (?:task|problem|question|exercise|challenge)s?\b",
        r"\b(?:repaired|fixed|refactored|optimi[sz]ed) code\b",
        r"\blanguage: (?:python|java|go|rust|c\+\+|typescript|javascript|kotlin|c#)\b",
        r"\b(?:include|with|add|plus) (?:\w+ )?tests\b",
        r"\b(?:time|space|before/after) complexity\b",
        r"\b(?:pytest|type hints|edge[- ]case tests)\b",
        r"\bsolution in (?:java|python|c\+\+|rust|go|javascript|typescript|kotlin|c#)\b",
        r"\b(?:implementiere|impl(?:é|e)mente)\b|\b(?:con|avec des|mit) tests\b",
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
        r"\b(?:you are|act as) (?:an? )?(?:\w+ )?(?:judge|evaluator|grader|annotator|rater)\b",
        r"\breward model\b",
        r"\b(?:response|answer|output|completion|reply) a\b.*"
        r"\b(?:response|answer|output|completion|reply) b\b",
        r"\b(?:pairwise|preference) (?:evaluation|comparison|labels?|judg(?:e)?ments?)\b",
        r"\b(?:score|rating|grade|mark) (?:between|from) \d",
        r"\b\d+-point scale\b",
        r"\b(?:rank|order) the (?:following |given )?(?:\w+ )?"
        r"(?:answers|responses|completions|outputs|replies|candidates)\b",
        r"\b(?:is|does) the (?:following |above |given )?"
        r"(?:answer|response|output|completion|reply|summary) "
        r"(?:correct|accurate|faithful|follow|satisf|meet|violate)",
        r"\b(?:harmlessness|faithfulness|factuality|helpfulness)\b",
        r"\bverdict\b",
        r"\b(?:preferred|winning) (?:response|output|answer|completion)\b",
        # two outputs to compare, not a developer's "my model output is NaN"
        r"\b(?:two|both|following|these|several|multiple|\d+) model outputs\b",
        r"\b(?:gold|reference) answer\b",
        r"\bcritique\b",
        r"\bgrounded in the\b",
        r"\bseverity rating\b",
        r"\brate \d+ ?- ?\d+\b",
        r"\bsafe or unsafe\b",
        r"\bpref(?:erence)? label",
        r"\bpairwise\b",
        r"\b(?:sort|rank|order) (?:the )?following (?:\d+ )?(?:\w+ )?"
        r"(?:completions|responses|answers|outputs|summaries|replies)\b",
        r"\b(?:better|best) (?:reply|response|completion|output), a or b\b",
        r"\bmark (?:my|this|the) (?:\w+ )?answer\b",
        r"\blike a strict (?:examiner|grader|marker)\b",
        r"\b(?:califica|punt(?:ú|u)a|eval(?:ú|u)a) (?:esta|la) respuesta\b",
        r"\bnote la r(?:é|e)ponse\b|\bbeurteile die antwort\b",
        r"\b(?:critique|assess|evaluate|review|grade|judge|annotate|label) "
        r"(?:the|this|each|both|every|all|these) (?:\w+ ){0,3}"
        r"(?:responses?|answers?|completions?|replies|reply|outputs?|samples?|summar(?:y|ies))\b",
        r"\b(?:assign|return|output) (?:a |an |the )?(?:\w+ )?"
        r"(?:score|rating|grade|label|mark)s?\b",
        r"\b(?:harmless|safer|safe) (?:revision|rewrite|version)\b",
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
