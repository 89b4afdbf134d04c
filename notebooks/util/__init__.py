"""Helpers shared by the sample notebooks: data, model artifacts and plots, all inside the project."""
