"""Names of the report formats and input presets, without importing them.

The CLI takes its ``--format`` and ``--preset`` choices from here, so ``--help`` does
not load polars; ``extractscan.report.FORMATS`` and ``extractscan.ingest.presets.PRESETS``
are built from the same names, and a test checks that the two agree.
"""

from __future__ import annotations

#: Report format name -> "module:Class" of its implementation.
FORMAT_CLASSES: dict[str, str] = {
    "terminal": "extractscan.report.formats.terminal:TerminalReport",
    "json": "extractscan.report.formats.json_report:JsonReport",
    "markdown": "extractscan.report.formats.markdown:MarkdownReport",
    "html": "extractscan.report.formats.html:HtmlReport",
}

#: Input preset names (``extractscan presets`` lists them with their descriptions).
PRESET_NAMES: tuple[str, ...] = (
    "litellm",
    "bedrock",
    "openai-chat",
    "helicone",
    "langfuse",
    "cloudtrail",
    "bedrock-cloudtrail",
    "openrouter",
    "portkey",
    "cloudflare-ai-gateway",
    "gcp-vertex-audit",
    "azure-apim",
    "kong-ai",
    "access-log",
)
