/**
 * The result of the unit on the fixture, on the tile's solid colour: the word as large as the
 * tile allows and always whole, the operator's label under it, why, and what to do next; and,
 * when the MES could not be asked and the unit was let through anyway, a one-line notice.
 */
import type { UnitResult } from '../../../../preload/contract';
import { useT } from '../../i18n';
import { fitFontSize } from './fit-text';
import { SMALL_SIZE, TEXT_SIZE, clampLines, oneLine } from './tile-style';
import { RESULT_STYLE, STEP_WORDS, type ResultWords } from './words';

const WORD_SPACING_EM = 0.02;

export function TileResult({ name, last, words }: { name: string; last: UnitResult; words: ResultWords }) {
  const t = useT();
  const label = t(RESULT_STYLE[last.result].label);
  return (
    <>
      <div
        data-testid={`tile-result-${name}`}
        style={{
          fontSize: fitFontSize(last.result, { widthPct: 94, heightPct: 26, maxPx: 160, letterSpacingEm: WORD_SPACING_EM }),
          letterSpacing: `${WORD_SPACING_EM}em`,
          lineHeight: 1,
          fontWeight: 800,
          whiteSpace: 'nowrap',
          overflow: 'hidden',
          flex: 'none',
        }}
      >
        {last.result}
      </div>
      <div style={{ display: 'flex', alignItems: 'baseline', gap: 8, minWidth: 0, flex: 'none', marginTop: 2 }}>
        <span data-testid={`tile-label-${name}`} style={{ fontSize: fitFontSize(label, { widthPct: 94, heightPct: 9, maxPx: 40 }), fontWeight: 700, lineHeight: 1.15, whiteSpace: 'nowrap', flex: 'none' }}>
          {label}
        </span>
        {last.result === 'FAIL' && (
          <span data-testid={`tile-fail-step-${name}`} style={{ fontSize: TEXT_SIZE, opacity: 0.9, ...oneLine }}>
            {t('tile.failedAt', { step: t(STEP_WORDS[last.step]) })}
          </span>
        )}
      </div>
      <div data-testid={`tile-reason-${name}`} style={{ fontSize: TEXT_SIZE, lineHeight: 1.3, marginTop: 4, flex: '0 1 auto', ...clampLines(2) }}>
        {words.reason}
      </div>
      <div data-testid={`tile-next-${name}`} style={{ fontSize: TEXT_SIZE, lineHeight: 1.3, marginTop: 4, fontWeight: 700, flex: 'none', ...clampLines(2) }}>
        ➜ {words.next}
      </div>
      {last.mes_offline && (
        // The MES could not be asked and the station is set to let units through: the operator
        // should know this unit's route was not checked (the engineer sees why in the log).
        <div data-testid={`tile-mes-offline-${name}`} style={{ fontSize: SMALL_SIZE, lineHeight: 1.3, marginTop: 4, flex: 'none', alignSelf: 'flex-start', maxWidth: '100%', padding: '0 6px', borderRadius: 4, background: 'rgba(0,0,0,0.25)', ...oneLine }}>
          ⚠ {t('tile.mesOffline')}
        </div>
      )}
    </>
  );
}
