"""Reports: the publication-ready research report in HTML, Word, Excel, PDF and JSON.

    definition = load_definition("rapport.yaml")             # or ReportDefinition()
    report = build_report(form, dataset, definition, facts)  # a frozen Report value
    data = renderer_for("docx").render(report)                # the file's bytes

Pure modules (no Django): ``model`` (the Report value), ``definition`` (report definitions,
checked with every problem and its line), ``build`` and ``methods`` (which tables, figures and
texts), ``findings`` (key findings in Dutch), ``layout`` (cells as every format prints them),
``charts`` (matplotlib), ``text`` (Dutch number and date conventions). ``renderers`` holds one
implementation per format; ``services``/``selectors``/``views`` connect reports to peiling's
fieldwork.

Errors::

    DefinitionError (ValueError)   a report definition that cannot be used (.problems)
    RenderError (Exception)        a format that cannot be made here (PDF without Chromium)
    ReportSourceError (Exception)  no data to report on: unknown fieldwork, no responses
"""
