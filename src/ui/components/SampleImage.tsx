/** One sample image of the data, drawn from its RGBA pixels. */
import { useEffect, useRef } from 'react';

interface SampleImageProps {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
  label: string;
}

export function SampleImage({ rgba, width, height, label }: SampleImageProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context || rgba.length !== width * height * 4) return;
    context.putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
  }, [rgba, width, height]);
  return (
    <figure className="sample">
      <canvas ref={canvas} width={width} height={height} role="img" aria-label={`Sample image, class ${label}`} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}
