"""`frontdesk bench`: a synthetic restaurant group and the figures a guest waits for.

`run` builds and measures at the service layer, `in_app` measures the app
itself through public events, and `synth` writes the synthetic store in bulk.
"""
