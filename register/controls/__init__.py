"""Controls (tiltag): what the municipality actually does, linked to the requirements they satisfy."""
