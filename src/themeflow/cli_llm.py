"""``themeflow llm check``: one tiny request to the configured LLM endpoint, before a run depends on it.

Kept apart from ``cli.py`` like the other command groups; :func:`register` attaches it. Reports the model
the server says it ran, the latency, whether it takes a JSON schema (``response_format``), and the tokens.
"""

from __future__ import annotations

import time

import typer

from themeflow.cli_common import JsonOption, out, print_json

app = typer.Typer(help="The LLM endpoint used by --summarizer llm.", no_args_is_help=True)

_PING_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}


@app.command("check")
def check(as_json: JsonOption = False) -> None:
    """Send one tiny request to THEMEFLOW_LLM_BASE_URL and report model, latency and JSON-schema support."""
    from themeflow.config import load_settings
    from themeflow.summarize.llm_client import ChatClient
    from themeflow.summarize.registry import llm_config

    config = llm_config(load_settings().get)
    client = ChatClient(config)
    t0 = time.perf_counter()
    try:
        reply = client.complete(
            [{"role": "user", "content": '只输出这个JSON对象：{"ok": true}'}], schema=_PING_SCHEMA
        )
    finally:
        client.close()
    seconds = time.perf_counter() - t0
    report = {
        "endpoint": config.base_url,
        "model": reply.model,
        "latency_s": round(seconds, 3),
        "response_format": reply.response_format,
        "json_schema": reply.response_format == "json_schema",
        "tries": reply.tries,
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "reply": reply.content[:200],
    }
    if as_json:
        print_json(report)
        return
    out.print(f"endpoint   {report['endpoint']}")
    out.print(f"model      {report['model']}")
    out.print(f"latency    {seconds:.2f} s ({reply.tries} {'try' if reply.tries == 1 else 'tries'})")
    schema = "yes" if report["json_schema"] else f"no (uses {reply.response_format})"
    out.print(f"JSON schema  {schema}")
    out.print(f"tokens     {reply.prompt_tokens} in / {reply.completion_tokens} out")


def register(root: typer.Typer) -> None:
    """Attach ``llm`` (with ``check``) to the main app."""
    root.add_typer(app, name="llm")
