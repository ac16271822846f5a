"""Korean interface text, keyed by the English string used in the tabs."""

from __future__ import annotations

KOREAN: dict[str, str] = {
    # header and tabs
    "# CLIR Studio\nBuild and study Korean–English cross-lingual retrievers: compose language mixes, train, evaluate in four directions (ko-ko, en-en, ko-en, en-ko), merge, search.":
        "# CLIR Studio\n한국어–영어 교차 언어 검색기를 만들고 연구합니다: 언어 조합 구성, 학습, 네 방향(ko-ko, en-en, ko-en, en-ko) 평가, 병합, 검색.",
    "Models": "모델", "Data": "데이터", "Train": "학습", "Jobs": "작업", "Evaluate": "평가", "Runs": "실행 결과",
    "Merge": "병합", "Search": "검색", "Study": "연구",
    # shared words
    "Model": "모델", "Dataset": "데이터셋", "Datasets": "데이터셋 목록", "Split": "분할", "Seed": "시드", "seed": "시드",
    "Refresh": "새로 고침", "↻ Refresh": "↻ 새로 고침", "↻ Models and datasets": "↻ 모델과 데이터셋", "Save": "저장",
    "Preview": "미리 보기", "Import": "가져오기", "Cancel": "취소", "Resume": "재개", "Compare": "비교", "Method": "방법",
    "Metric": "지표", "Metrics": "지표", "Direction": "방향", "Directions": "방향", "Format": "형식", "Columns": "열",
    "Queries": "질의", "Steps": "단계 수", "Point": "지점", "Job": "작업", "Loss": "손실", "Precision": "정밀도",
    "Setting": "설정", "Stages": "단계", "Mix": "조합", "Preset": "프리셋", "Top-k": "상위 k개",
    # models tab
    "Registered models": "등록된 모델", "Details and lineage": "상세 정보와 계보",
    "Export or import a model archive (model + lineage + evaluations)": "모델 아카이브 내보내기/가져오기 (모델 + 계보 + 평가)",
    "Export the selected model": "선택한 모델 내보내기", "Archive (.tar.gz)": "아카이브 (.tar.gz)",
    "Model archive to import (.tar.gz)": "가져올 모델 아카이브 (.tar.gz)", "Register as (optional)": "등록 이름 (선택)",
    "keep the archived name": "아카이브의 이름 유지",
    # data tab
    "File(s): one, or one per language": "파일: 하나, 또는 언어별로 하나씩", "…or a server folder path / Hub dataset id": "…또는 서버 폴더 경로 / Hub 데이터셋 ID",
    "Detect layout": "구조 감지", "Validate": "검증", "Record kind": "레코드 종류", "Dataset name": "데이터셋 이름",
    "e.g. msmarco-ko-en": "예: msmarco-ko-en", "Column mapping (FIELD=COLUMN, …; filled from the dropdowns)": "열 매핑 (필드=열, …; 드롭다운에서 채워짐)",
    "field 1": "필드 1", "field 2": "필드 2", "field 3": "필드 3", "field 4": "필드 4", "field 5": "필드 5",
    "Split train,dev,test (empty: do not split)": "train,dev,test 분할 비율 (비우면 분할하지 않음)", "Split seed": "분할 시드",
    "Preview of canonical records": "표준 레코드 미리 보기", "Bad rows (line numbers)": "잘못된 행 (줄 번호)", "Text lengths": "텍스트 길이",
    "Dataset details (JSON)": "데이터셋 상세 정보 (JSON)", "Delete dataset": "데이터셋 삭제", "Split train,dev,test": "train,dev,test 분할 비율",
    "Split by record": "레코드 단위로 분할", "Delete this dataset's mixes (they used the old split)": "이 데이터셋의 조합 삭제 (이전 분할을 사용함)",
    "Mix composer": "언어 조합 구성", "ko-ko weight": "ko-ko 가중치", "en-en weight": "en-en 가중치", "ko-en weight": "ko-en 가중치",
    "en-ko weight": "en-ko 가중치", "Budget (pairs)": "예산 (쌍 수)", "Mix name": "조합 이름", "e.g. msmarco-all4-2k": "예: msmarco-all4-2k",
    "Save mix": "조합 저장", "Pairs per direction": "방향별 쌍 수", "Sample pairs": "예시 쌍", "Saved mixes": "저장된 조합",
    "Dataset filter ('' = all)": "데이터셋 필터 ('' = 전체)", "owner/name": "소유자/이름",
    # train and jobs tabs
    "Fine-tune a retriever on a saved language mix. Defaults are for this machine's **CPU** (frozen word embeddings, short sequences). Training runs as a background job: closing the browser or the app does not stop it.":
        "저장된 언어 조합으로 검색기를 미세 조정합니다. 기본값은 이 컴퓨터의 **CPU**에 맞춰져 있습니다(단어 임베딩 고정, 짧은 시퀀스). 학습은 백그라운드 작업으로 실행되므로 브라우저나 앱을 닫아도 멈추지 않습니다.",
    "Base model": "기본 모델", "compose one in the Data tab": "데이터 탭에서 조합을 만드세요", "New model name": "새 모델 이름",
    "e.g. e5-small-msmarco-all4": "예: e5-small-msmarco-all4", "Epochs": "에폭", "Max steps (0: use epochs)": "최대 단계 (0: 에폭 사용)",
    "Batch size (pairs)": "배치 크기 (쌍)", "Learning rate": "학습률", "Warm-up ratio": "워밍업 비율",
    "Max sequence length (tokens)": "최대 시퀀스 길이 (토큰)", "Freeze word embeddings": "단어 임베딩 고정",
    "≈ two thirds of e5-small's weights; on CPU nearly halves step time": "e5-small 가중치의 약 3분의 2; CPU에서 단계 시간이 거의 절반으로 줄어듭니다",
    "More settings": "추가 설정", "Mini-batch (cached_mnrl)": "미니배치 (cached_mnrl)",
    "cached_mnrl: large batches in the memory of one mini-batch": "cached_mnrl: 미니배치 하나의 메모리로 큰 배치 학습",
    "Checkpoint every N steps": "N 단계마다 체크포인트", "Keep last K checkpoints": "최근 K개 체크포인트 보관",
    "Dev evaluation every N steps (0: end)": "N 단계마다 dev 평가 (0: 마지막에만)", "Dev records (0: no dev evaluation)": "dev 레코드 수 (0: dev 평가 안 함)",
    "Pick a base model and a mix to see an estimate.": "예상 시간을 보려면 기본 모델과 조합을 고르세요.",
    "Queue (newest first; click a row)": "대기열 (최신순; 행을 클릭)", "Details (payload, result)": "상세 정보 (입력, 결과)",
    "Log (last 60 lines)": "로그 (마지막 60줄)", "Dev nDCG@10": "dev 세트 nDCG@10",
    # evaluate and runs tabs
    "Retrieval quality in four directions (QUERY-DOC: **ko-en** = Korean query, English documents). nDCG@10 is the headline; CLIR mean = (ko-en + en-ko) / 2, mono mean = (ko-ko + en-en) / 2.":
        "네 방향의 검색 품질 (질의-문서: **ko-en** = 한국어 질의, 영어 문서). 대표 지표는 nDCG@10이며, CLIR 평균 = (ko-en + en-ko) / 2, 단일 언어 평균 = (ko-ko + en-en) / 2입니다.",
    "Model (or BM25 baseline)": "모델 (또는 BM25 기준선)", "Dataset or benchmark": "데이터셋 또는 벤치마크",
    "Benchmark folder": "벤치마크 폴더", "local Belebele/FLORES folder (empty: the Hub, when online)": "로컬 Belebele/FLORES 폴더 (비우면 온라인일 때 Hub)",
    "Limit (first N queries; 0 = all)": "제한 (처음 N개 질의; 0 = 전체)", "Belebele ko/en · 4 directions (one click)": "Belebele ko/en · 4방향 (한 번에)",
    "Per direction": "방향별", "By direction": "방향별 비교", "Runs to compare": "비교할 실행 결과", "Reference run (deltas)": "기준 실행 (차이 계산)",
    "Side by side (★ best per column, ± against the reference)": "나란히 보기 (★ 열별 최고, ± 기준 대비)",
    "Stored evaluations (nDCG@10)": "저장된 평가 (nDCG@10)", "CLIR vs monolingual, one point per model": "CLIR 대 단일 언어, 모델마다 한 점",
    "### Drill-down: queries where two runs differ most": "### 자세히 보기: 두 실행 결과가 가장 다른 질의", "Run A": "실행 A", "Run B": "실행 B",
    "Show differing queries": "차이 나는 질의 보기",
    # merge tab
    "Merge fine-tunes of one base model and watch the four directions move. **Preview** merges in memory and scores the merge beside its parents on the same dev queries; **Save** writes it.":
        "같은 기본 모델에서 미세 조정한 모델들을 병합하고 네 방향의 변화를 확인합니다. **미리 보기**는 메모리에서 병합해 같은 dev 질의로 부모 모델과 나란히 채점하고, **저장**은 디스크에 기록합니다.",
    "Models to merge (2 to 5, same architecture and tokenizer)": "병합할 모델 (2~5개, 같은 구조와 토크나이저)",
    "weight 1": "가중치 1", "weight 2": "가중치 2", "weight 3": "가중치 3", "weight 4": "가중치 4", "weight 5": "가중치 5",
    "Pick at least two models.": "모델을 두 개 이상 고르세요.", "Base model (task vectors = model − base)": "기본 모델 (작업 벡터 = 모델 − 기본)",
    "normalize": "정규화", "Divide the model weights by their sum, so they add up to 1 (turn off to use them as given).":
        "모델 가중치를 합으로 나눠 합이 1이 되게 합니다 (끄면 입력한 값 그대로 사용).",
    "Weighted average of the parents' weights; normalised to sum to 1 unless turned off. [reference](https://arxiv.org/abs/2203.05482)":
        "부모 모델 가중치의 가중 평균; 끄지 않으면 합이 1이 되도록 정규화합니다. [참고 문헌](https://arxiv.org/abs/2203.05482)",
    "density": "밀도", "Fraction of each task vector's entries kept.": "각 작업 벡터에서 남길 항목의 비율.",
    "scale": "배율", "λ: how much of the merged task vector to add to the base.": "λ: 병합된 작업 벡터를 기본 모델에 더할 양.",
    "majority sign": "다수 부호", "Sign election: by summed magnitude (total) or by count (frequency).": "부호 선택: 크기 합(total) 또는 개수(frequency) 기준.",
    "Seed of DARE's random drop (same seed, same model).": "DARE 무작위 제거의 시드 (같은 시드면 같은 모델).",
    "Advanced: layer-wise weights": "고급: 층별 가중치", "Use layer-wise weights": "층별 가중치 사용",
    "Separate weights for the embeddings and for the lowest and highest encoder layers; layers in between are interpolated (mergekit-style gradients). Rows follow the chosen models.":
        "임베딩, 가장 낮은 인코더 층, 가장 높은 인코더 층에 각각 가중치를 주고 사이의 층은 보간합니다 (mergekit 방식 그라디언트). 행은 선택한 모델 순서를 따릅니다.",
    "Weights per group": "그룹별 가중치", "Quick evaluation subset": "빠른 평가용 부분 집합", "Dataset (parallel, split)": "데이터셋 (병렬, 분할됨)",
    "First N queries (0 = all)": "처음 N개 질의 (0 = 전체)", "Name for the merged model": "병합 모델 이름", "e.g. merged/ko-mix-0.6": "예: merged/ko-mix-0.6",
    "CLIR vs monolingual": "CLIR 대 단일 언어", "Sweep: the trade-off curve between two models": "스윕: 두 모델 사이의 절충 곡선",
    "Model A (α = 0)": "모델 A (α = 0)", "Model B (α = 1)": "모델 B (α = 1)",
    "Start sweep (background job; method and parameters from above)": "스윕 시작 (백그라운드 작업; 위의 방법과 매개변수 사용)",
    "Sweep": "스윕", "Sweep job": "스윕 작업",
    "After saving, evaluate in full (background job, test split)": "저장 후 전체 평가 (백그라운드 작업, test 분할)", "Merge sweep": "병합 스윕", "Points (click a row to pick it)": "지점 (행을 클릭해 선택)",
    "Name for the chosen point": "선택한 지점의 이름", "Save point": "지점 저장",
    "1st": "1번째", "2nd": "2번째", "3rd": "3번째", "4th": "4번째", "5th": "5번째", "6th": "6번째", "7th": "7번째", "8th": "8번째", "9th": "9번째",
    # search tab
    "Query (Korean or English)": "질의 (한국어 또는 영어)", "Detected language: **—**": "감지된 언어: **—**",
    "Model A": "모델 A", "Model B": "모델 B", "Corpus (dataset)": "말뭉치 (데이터셋)", "Document language": "문서 언어",
    "Example queries from the dataset (gold passage highlighted)": "데이터셋의 예시 질의 (정답 문단 강조)",
    # study tab
    "**The study in one click.** From one base model, dataset, pair budget and seed: train **mono-ko**, **mono-en**, **cross-only** (ko-en + en-ko) and **all-four**; evaluate the base and each model in the four directions on the held-out split (and Belebele when a folder is given); sweep a linear merge from the monolingual-trained models to the cross-lingual one; write a report. *quick* takes about 30 minutes on a 2-core CPU with the bundled model; *full* is meant for a GPU.":
        "**클릭 한 번으로 연구 재현.** 하나의 기본 모델, 데이터셋, 쌍 예산, 시드로 **mono-ko**, **mono-en**, **cross-only** (ko-en + en-ko), **all-four** 모델을 학습하고, 기본 모델과 각 모델을 보류된 분할에서 네 방향으로 평가하며(폴더를 주면 Belebele도), 단일 언어 학습 모델에서 교차 언어 모델까지 선형 병합 스윕을 수행한 뒤 보고서를 작성합니다. *quick*은 번들 모델로 2코어 CPU에서 약 30분, *full*은 GPU용입니다.",
    "Budget (training pairs per composition)": "예산 (조합별 학습 쌍 수)", "Belebele folder (optional)": "Belebele 폴더 (선택)",
    "local Belebele ko/en folder: also evaluate on Belebele": "로컬 Belebele ko/en 폴더: Belebele에서도 평가",
    "Study name (optional)": "연구 이름 (선택)", "default: study-<job id>": "기본값: study-<작업 ID>", "Run study": "연구 실행",
    "Retry (skips finished stages)": "다시 시도 (끝난 단계는 건너뜀)", "CLIR vs monolingual, with the merge sweep": "CLIR 대 단일 언어, 병합 스윕 포함",
    "Report (HTML with interactive figures, Markdown)": "보고서 (대화형 그림이 든 HTML, Markdown)", "Report (JSON)": "보고서 (JSON)",
}
