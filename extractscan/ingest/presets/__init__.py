"""Input presets: gateway and cloud export formats, registered in one place."""

from __future__ import annotations

from extractscan.ingest.presets.access_log import AccessLogPreset
from extractscan.ingest.presets.azure_apim import AzureApimPreset
from extractscan.ingest.presets.bedrock import BedrockPreset
from extractscan.ingest.presets.bedrock_cloudtrail import BedrockCloudTrailPreset
from extractscan.ingest.presets.cloudflare_ai_gateway import CloudflareAIGatewayPreset
from extractscan.ingest.presets.cloudtrail import CloudTrailPreset
from extractscan.ingest.presets.gcp_vertex_audit import GcpVertexAuditPreset
from extractscan.ingest.presets.helicone import HeliconePreset
from extractscan.ingest.presets.interface import PRESET_REJECT, Preset
from extractscan.ingest.presets.kong_ai import KongAIPreset
from extractscan.ingest.presets.langfuse import LangfusePreset
from extractscan.ingest.presets.litellm import LiteLLMPreset
from extractscan.ingest.presets.openai_chat import OpenAIChatPreset
from extractscan.ingest.presets.openrouter import OpenRouterPreset
from extractscan.ingest.presets.portkey import PortkeyPreset
from extractscan.model.errors import UsageError

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        LiteLLMPreset(),
        BedrockPreset(),
        OpenAIChatPreset(),
        HeliconePreset(),
        LangfusePreset(),
        CloudTrailPreset(),
        BedrockCloudTrailPreset(),
        OpenRouterPreset(),
        PortkeyPreset(),
        CloudflareAIGatewayPreset(),
        GcpVertexAuditPreset(),
        AzureApimPreset(),
        KongAIPreset(),
        AccessLogPreset(),
    )
}


def get(name: str) -> Preset:
    """The preset called ``name``.

    Raises:
        UsageError: no such preset.
    """
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS)) or "(none)"
        raise UsageError(f"unknown preset {name!r}; known: {known}") from None


__all__ = ["PRESETS", "PRESET_REJECT", "Preset", "get"]
