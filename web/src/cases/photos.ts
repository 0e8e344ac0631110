// Photos of a case: what the page checks before an upload (the server checks again, by content).

/** The most photos a case, a feedback or a verification carries (MaxCasePhotos). */
export const MAX_PHOTOS = 9
/** The largest upload the server takes (internal/photo MaxBytes: 10 MiB). */
export const MAX_PHOTO_BYTES = 10 << 20
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp']
/** For the file input: what a phone's camera and gallery offer. */
export const PHOTO_ACCEPT = 'image/jpeg,image/png,image/webp'

export type PhotoRule = 'format' | 'too_large' | 'empty' | 'max_items'

/** Why a file cannot be a photo, or null when it may be uploaded. */
export function checkPhoto(file: { name: string; type: string; size: number }): PhotoRule | null {
  if (file.size === 0) return 'empty'
  const byName = /\.(jpe?g|png|webp)$/i.test(file.name)
  if (!(PHOTO_TYPES.includes(file.type) || (!file.type && byName))) return 'format'
  if (file.size > MAX_PHOTO_BYTES) return 'too_large'
  return null
}

/**
 * Splits chosen files into those to upload and those refused: each refused one with its rule; files
 * beyond the room left (MAX_PHOTOS minus those already there) are refused as max_items.
 */
export function pickPhotos<F extends { name: string; type: string; size: number }>(
  files: readonly F[],
  already: number,
): { accepted: F[]; refused: { file: F; rule: PhotoRule }[] } {
  const accepted: F[] = []
  const refused: { file: F; rule: PhotoRule }[] = []
  let room = Math.max(0, MAX_PHOTOS - already)
  for (const f of files) {
    const rule = checkPhoto(f)
    if (rule) refused.push({ file: f, rule })
    else if (room <= 0) refused.push({ file: f, rule: 'max_items' })
    else {
      accepted.push(f)
      room--
    }
  }
  return { accepted, refused }
}

/** "3.2 MB" / "850 KB" for a refused file. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`
  return `${Math.max(1, Math.round(n / 1024))} KB`
}
