"""The Gradio web UI: a thin layer of tabs over the studio library."""
