import { useEffect, useRef, useState } from 'react';

/** Props of {@link Scanner}. */
export interface ScannerProps {
  /** Called with each new QR text seen (the same code is reported once every few seconds at most). */
  readonly onCode: (code: string) => void;
  readonly active: boolean;
  /** False when the kiosk has no camera: only the text is shown. */
  readonly enabled?: boolean;
  readonly unavailableText: string;
}

/**
 * The device camera, decoded in the browser (jsQR, loaded with the camera) about five times a second.
 * Nothing leaves the page but the decoded text.
 */
export function Scanner({ onCode, active, enabled = true, unavailableText }: ScannerProps) {
  const video = useRef<HTMLVideoElement>(null);
  const [failed, setFailed] = useState(false);
  const callback = useRef(onCode);
  callback.current = onCode;
  useEffect(() => {
    if (!active) return;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    let last = { code: '', at: 0 };
    // The decoder (about 130 KB) loads with the camera, not with the page: the keypad is usable sooner.
    const opened = navigator.mediaDevices?.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    });
    opened
      ?.then((media) => import('jsqr').then(({ default: jsQR }) => ({ media, jsQR })))
      .then(({ media, jsQR }) => {
        if (stopped) {
          for (const track of media.getTracks()) track.stop();
          return;
        }
        stream = media;
        const element = video.current;
        if (!element) return;
        element.srcObject = media;
        void element.play().catch(() => undefined);
        timer = setInterval(() => {
          if (!context || element.videoWidth === 0) return;
          canvas.width = element.videoWidth;
          canvas.height = element.videoHeight;
          context.drawImage(element, 0, 0);
          const image = context.getImageData(0, 0, canvas.width, canvas.height);
          const found = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
          if (!found?.data) return;
          const now = Date.now();
          if (found.data === last.code && now - last.at < 4000) return;
          last = { code: found.data, at: now };
          callback.current(found.data);
        }, 200);
      })
      .catch(() => setFailed(true));
    if (!navigator.mediaDevices) setFailed(true);
    return () => {
      stopped = true;
      if (timer) clearInterval(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, [active]);
  return (
    <div className="kiosk-camera" data-testid="camera">
      {failed || !enabled ? (
        <p className="kiosk-camera-off">{unavailableText}</p>
      ) : (
        <video ref={video} muted playsInline />
      )}
    </div>
  );
}
