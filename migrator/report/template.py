# ruff: noqa: E501  (HTML lines, not code)
"""The report's HTML, a jinja2 template kept in code (nothing to ship as package data).
Every ``{{ }}`` is escaped and redacted (``page.redacted``); the chart alone is markup."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


@functools.cache
def template() -> jinja2.Template:
    import jinja2
    from markupsafe import Markup

    from migrator.report.page import redacted

    env = jinja2.Environment(
        autoescape=True,
        finalize=redacted,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["svg"] = Markup  # the chart: built from numbers in chart.py
    return env.from_string(PAGE)


def warm_steps() -> tuple[Callable[[], object], ...]:
    """What writing the first page does before it renders (import jinja2: ~40 ms of CPU;
    the page's module and rich: ~30 ms; compile the template: ~70 ms), as steps a run may take ahead, one at a time, while it
    waits; each is done once, whoever takes it."""
    return (
        functools.partial(importlib.import_module, "jinja2"),
        functools.partial(importlib.import_module, "migrator.report.page"),  # and rich
        template,
    )


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>migrator {{ kind }} report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px;
       padding: 0 16px; color: #0f172a; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 36px;
  border-bottom: 2px solid #1e3a8a; padding-bottom: 4px; } h3 { font-size: 15px; margin-top: 22px; }
.meta, .muted { color: #475569; } code, .mono { font-family: ui-monospace, monospace; font-size: 12.5px; }
table { border-collapse: collapse; margin: 8px 0; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid #e2e8f0;
         overflow-wrap: break-word; white-space: pre-wrap; }
td.mono, td.before, td.after { overflow-wrap: anywhere; }
th { background: #eff6ff; } td.n, th.n { text-align: right; white-space: nowrap; }
table.counts { width: auto; min-width: 420px; }
.exit0 { color: #166534; } .exit1 { color: #b45309; } .bad { color: #b91c1c; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600;
         background: #e2e8f0; }
.badge.exit0 { background: #dcfce7; } .badge.exit1, .badge.exit2, .badge.exit3,
.badge.exit130 { background: #fee2e2; color: #991b1b; }
details { margin: 6px 0; border: 1px solid #e2e8f0; border-radius: 6px; padding: 4px 10px; }
summary { cursor: pointer; font-weight: 600; }
del { background: #fee2e2; color: #991b1b; } ins { background: #dcfce7; color: #166534;
  text-decoration: none; } .absent { color: #94a3b8; font-style: italic; }
.chart text { font-size: 11px; fill: #475569; }
ul.notes li { margin: 2px 0; }
</style>
</head>
<body>
<h1>migrator {{ kind }} report</h1>
<p class="meta">Written {{ written }} ·
 exit code <span class="badge exit{{ exit_code }}" id="exit-code">{{ exit_code }}</span>
{% if command %} · <code>{{ command }}</code>{% endif %}</p>

{% if sections|length > 1 %}
<h2>All mappings</h2>
<table id="overview">
<tr><th>mapping</th><th>target</th><th class="n">exit</th></tr>
{% for s in sections %}
<tr><td><a href="#m{{ loop.index }}">{{ s.part.name }}</a></td><td>{{ s.part.target }}</td>
<td class="n">{{ s.part.exit_code }}</td></tr>
{% endfor %}
</table>
{% endif %}

{% for s in sections %}
{% set m = loop.index %}
<section class="mapping" id="m{{ m }}" data-mapping="{{ s.part.name }}">
<h2>{{ s.part.name }}{% if s.part.dry_run %} (dry run: nothing was sent){% endif %}</h2>
<p class="meta">Mapping <code>{{ s.part.mapping_path }}</code> · source <code>{{ s.part.source }}</code>
 · target <code>{{ s.part.target }}</code> · exit code
 <span class="badge exit{{ s.part.exit_code }}">{{ s.part.exit_code }}</span></p>

{% if s.counts %}
<h3>Plan and counts</h3>
<table class="counts" id="counts-{{ m }}">
{% for what, n in s.counts %}
<tr data-count="{{ what }}"><td>{{ what }}</td><td class="n">{{ n }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if s.notes %}
<ul class="notes">{% for note in s.notes %}<li>{{ note }}</li>{% endfor %}</ul>
{% endif %}

{% if s.preview %}
<h3>Requests it would send ({{ s.preview|length }} of {{ s.preview_total }})</h3>
<table class="preview">
<tr><th>action</th><th>request</th><th>record</th><th>source</th><th>body</th></tr>
{% for p in s.preview %}
<tr><td>{{ p.get("action", "") }}</td><td class="mono">{{ p.get("method", "") }} {{ p.get("path", "") }}</td>
<td>{{ p.get("identity", "") }}</td><td class="mono">{{ p.get("source", "") }}</td>
<td class="mono">{{ p.get("body", "") }}</td></tr>
{% endfor %}
</table>
{% endif %}
{% if s.planned_deletes %}
<h3>--prune would delete</h3>
<ul>{% for d in s.planned_deletes %}<li class="mono">{{ d }}</li>{% endfor %}</ul>
{% endif %}

{% if s.part.stats is not none and not s.part.dry_run %}
<h3>Writes, throttles and retries over time</h3>
{% if s.chart.svg %}
<figure class="timeline">{{ s.chart.svg|svg }}
<figcaption class="muted">{{ "%.1f"|format(s.chart.seconds) }} s of sending;
 at most {{ "%.1f"|format(s.chart.peak_writes) }} writes per second.</figcaption></figure>
{% else %}
<p class="muted">The run sent for under a second: too short to draw over time.</p>
{% endif %}
{% endif %}

{% if s.part.stats is not none %}
<h3>Failures by reason</h3>
{% if s.failures.groups %}
{% for g in s.failures.groups %}
<details class="failure-group" {% if loop.index <= 5 %}open{% endif %}>
<summary><span class="n">{{ g.count }}</span> × <span class="reason">{{ g.reason }}</span></summary>
<table class="failures">
<tr><th>record</th><th>source line</th><th>stage</th><th>field</th><th>reason</th></tr>
{% for r in g.rows %}
<tr class="failure"><td>{{ r.get("identity", "") }}</td><td class="mono source">{{ r.get("source", "") }}</td>
<td>{{ r.get("stage", "") }}</td><td>{{ r.get("field", "") }}</td><td>{{ r.get("reason", "") }}</td></tr>
{% endfor %}
</table>
{% if g.more %}<p class="muted">… and {{ g.more }} more in the failures file.</p>{% endif %}
</details>
{% endfor %}
{% if s.failures.other %}<p class="muted">{{ s.failures.other }} more of other reasons: see the failures file.</p>{% endif %}
{% else %}
<p class="muted" id="no-failures-{{ m }}">None.</p>
{% endif %}

<h3>Changed records (before → after)</h3>
{% if s.changes %}
<p class="muted">{{ s.changes|length }} of {{ s.changes_total }} changed record(s): each field that
 differs between what ButterCMS last accepted and what this run {{ "would send" if s.part.dry_run else "sent" }}.</p>
{% for c in s.changes %}
<details class="change" {% if loop.index <= 10 %}open{% endif %}>
<summary>{{ c.change.identity }} <span class="muted mono">{{ c.change.source }}</span></summary>
{% if not c.fields %}<p class="muted">Its body was not kept by the run that sent it (an older migrator): nothing to compare.</p>{% endif %}
<table class="diff">
<tr><th>field</th><th>before</th><th>after</th></tr>
{% for f in c.fields %}
<tr class="field-diff" data-field="{{ f.name }}"><td class="mono">{{ f.name }}</td>
<td class="before">{% if f.absent_before %}<span class="absent">(absent)</span>{% endif %}{% for changed, text in f.before %}{% if changed %}<del>{{ text }}</del>{% else %}{{ text }}{% endif %}{% endfor %}</td>
<td class="after">{% if f.absent_after %}<span class="absent">(absent)</span>{% endif %}{% for changed, text in f.after %}{% if changed %}<ins>{{ text }}</ins>{% else %}{{ text }}{% endif %}{% endfor %}{% if f.clipped %} <span class="muted">(cut)</span>{% endif %}</td></tr>
{% endfor %}
</table>
{% if c.change.more_fields %}<p class="muted">… and {{ c.change.more_fields }} more field(s).</p>{% endif %}
</details>
{% endfor %}
{% else %}
<p class="muted">None.</p>
{% endif %}

<h3>Unmapped links and inline images (went through: look at these)</h3>
{% if s.warnings.groups %}
{% for line in s.warning_items %}<p>{{ line }}</p>{% endfor %}
{% for g in s.warnings.groups %}
<details class="warning-group" {% if loop.index <= 3 %}open{% endif %}>
<summary><span class="n">{{ g.count }}</span> × {{ g.reason }}</summary>
<table class="warnings">
<tr><th>record</th><th>source line</th><th>field</th><th>URL</th></tr>
{% for r in g.rows %}
<tr class="warning"><td>{{ r.get("identity", "") }}</td><td class="mono">{{ r.get("source", "") }}</td>
<td>{{ r.get("field", "") }}</td><td class="mono">{{ r.get("url", "") }}</td></tr>
{% endfor %}
</table>
{% if g.more %}<p class="muted">… and {{ g.more }} more in the warnings file.</p>{% endif %}
</details>
{% endfor %}
{% else %}
<p class="muted">None.</p>
{% endif %}

<h3>Media check</h3>
{% if s.media is not none %}
<ul class="media">{% for line in s.media %}<li>{{ line }}</li>{% endfor %}</ul>
{% else %}
<p class="muted">Not checked (<code>--check-media</code> asks every media URL first).</p>
{% endif %}
{% endif %}

{% if s.part.verify is not none %}
<h3>Verify: read back and compared</h3>
<table class="counts verify-counts">
{% for what, n in s.verify_counts %}<tr><td>{{ what }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table>
{% for g in s.verify_groups.groups %}
<details class="verify-group" open>
<summary><span class="n">{{ g.count }}</span> × {{ g.reason }}</summary>
<table class="verify">
<tr><th>record</th><th>source line</th><th>field</th><th>what differs</th></tr>
{% for r in g.rows %}
<tr class="difference"><td>{{ r.get("identity", "") }}</td><td class="mono">{{ r.get("source", "") }}</td>
<td>{{ r.get("field", "") }}</td><td>{{ r.get("reason", "") }}</td></tr>
{% endfor %}
</table>
</details>
{% endfor %}
{% endif %}

{% if s.files %}
<p class="muted">Files: {% for what, path in s.files %}{{ what }} <code>{{ path }}</code>{% if not loop.last %} · {% endif %}{% endfor %}</p>
{% endif %}
</section>
{% endfor %}
</body>
</html>
"""
