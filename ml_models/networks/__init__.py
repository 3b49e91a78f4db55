"""The TensorFlow side of the models (tf_keras): the EfficientNet-Lite0 port, the student CNN, the
serving graphs and their export to ONNX. Imported only by training code, the worker and CLI commands,
never by the web process."""
