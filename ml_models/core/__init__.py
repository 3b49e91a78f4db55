"""The model code that needs neither Django nor TensorFlow: the contract (signatures), the ONNX Runtime
wrapper, the answer function, Class Activation Maps, ImageNet names, preprocessing, artifact
manifests and the PyTorch checkpoint reader. Notebooks, the web process and the worker share it."""
