"""Every model the drive uses, loaded one way (``models.Models``): the embedder, the chat model, spaCy, OCR;
and the prompt files with the fences that keep document text as data.
"""
