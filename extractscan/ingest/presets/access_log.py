"""Web server and proxy access logs in front of an LLM API: nginx (and Apache) ``combined``
or ``common`` lines, and Envoy's default format. Lines are parsed with one regular
expression each, in polars (no Python per line).

Formats: nginx's predefined ``combined`` format,
https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format
(``$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
"$http_referer" "$http_user_agent"``; ``common`` stops after the byte count), and
Envoy's default format string,
https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#default-format-string
(``[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
"%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"``). Access logs written as
JSON (``log_format ... escape=json``, Envoy ``json_format``) have keys of the operator's
choosing: read them without a preset and name the fields with ``--column``.

| canonical | nginx ``combined`` | Envoy default |
|---|---|---|
| timestamp | ``$time_local`` | ``START_TIME`` |
| ip | ``$remote_addr`` | first address of ``X-FORWARDED-FOR`` |
| user_agent | ``$http_user_agent`` | ``USER-AGENT`` |
| status | ``$status`` | ``RESPONSE_CODE`` |
| account | ``$remote_user`` (HTTP basic auth), else ``ip:<address>`` | ``ip:<address>`` |
| prompt, model, tokens, api_key, org | not in an access log | not in an access log |

An access log names no API account unless the server authenticates the caller itself:
the client address stands in for it (``ip:203.0.113.7``), so each address is one
"account" and the IP-sharing evidence between accounts says nothing. Lines in neither
format are counted as ``not_access_log_line``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import RECORD, records
from extractscan.model.schema import PRESET_REJECT

_Q = r'"([^"]*)"'  # a quoted field: nginx writes a quote inside a value as \x22
COMBINED = r"^(\S+) \S+ (\S+) \[([^\]]+)\] " + _Q + r" (\d{3}) (\d+|-)(?: " + _Q + " " + _Q + ")?"
ENVOY = (
    r"^\[([^\]]+)\] " + _Q + r" (\d+|-) (\S+) (\d+|-) (\d+|-) (\d+|-) (\S+) " + " ".join([_Q] * 5)
)


def _dash(expr: pl.Expr) -> pl.Expr:
    """``-`` (a value the server did not have) as null."""
    return pl.when(expr.is_in(["-", ""]).not_()).then(expr)


class AccessLogPreset:
    """Reader for nginx/Apache combined and Envoy default access logs."""

    name = "access-log"
    summary = "nginx/Apache combined or common and Envoy default access logs (text lines)"
    docs_url = "https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("$time_local", "START_TIME"),
        "account": ("$remote_user", "client address"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per log line."""
        line = pl.col(RECORD)
        is_nginx = line.str.contains(COMBINED)
        is_envoy = line.str.contains(ENVOY)
        n_ip = _dash(line.str.extract(COMBINED, 1))
        e_ip = _dash(line.str.extract(ENVOY, 9).str.split(",").list.first().str.strip_chars())
        ip = pl.when(is_nginx).then(n_ip).otherwise(e_ip)
        user = pl.when(is_nginx).then(_dash(line.str.extract(COMBINED, 2)))
        n_time = line.str.extract(COMBINED, 3).str.to_datetime(
            "%d/%b/%Y:%H:%M:%S %z", strict=False, time_zone="UTC", time_unit="us"
        )
        e_time = (
            line.str.extract(ENVOY, 1)
            .str.replace(r"Z$", "+00:00")
            .str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_zone="UTC")
            .dt.cast_time_unit("us")
        )
        return records(f, path).select(
            pl.when(is_nginx).then(n_time).otherwise(e_time).alias("timestamp"),
            pl.coalesce(user, pl.when(ip.is_not_null()).then(pl.lit("ip:") + ip)).alias("account"),
            ip.alias("ip"),
            pl.when(is_nginx)
            .then(_dash(line.str.extract(COMBINED, 8)))
            .otherwise(_dash(line.str.extract(ENVOY, 10)))
            .alias("user_agent"),
            pl.when(is_nginx)
            .then(line.str.extract(COMBINED, 5))
            .otherwise(line.str.extract(ENVOY, 3))
            .alias("status"),
            pl.when(~is_nginx & ~is_envoy).then(pl.lit("not_access_log_line")).alias(PRESET_REJECT),
        )
